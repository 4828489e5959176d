"""Fixtures reused from the relay and pipeline tests: a relay process per module, the demo on SQLite."""

from tests.streaming.conftest import relay, room, token
from tests.support.pipeline import sqlite_demo

__all__ = ["relay", "room", "sqlite_demo", "token"]
