"""Helpers shared by tests and benchmarks (synthetic lessons)."""
