"""Quota rules and the progress computed from what people actually did."""
