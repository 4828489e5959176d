"""网络教研: real-name discussion threads on lessons, notes and 同课异构 groups."""
