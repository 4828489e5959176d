"""课改合格课: assessed per level, decided by an observation, kept under random re-checks."""
