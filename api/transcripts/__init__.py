"""Transcript corrections: a person fixes a misheard line; the history, search, subtitles and analytics follow."""
