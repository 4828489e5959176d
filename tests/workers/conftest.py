"""Fixtures of the pipeline tests (SQLite-only demo and client; see tests/support/pipeline.py)."""

from tests.support.pipeline import sqlite_client, sqlite_demo

__all__ = ["sqlite_client", "sqlite_demo"]
