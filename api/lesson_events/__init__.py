"""同课异构 events: two or more teachers from different schools teach one topic; observers score each."""
