"""抽测课: a reproducible, audited draw of a young teacher for a district-wide ordinary lesson."""
