"""Helpers shared by tests/ and bench/: real processes and peers to drive the product with."""
