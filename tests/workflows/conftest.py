"""Workflow tests run on SQLite, and the ones about counting and drawing also on PostgreSQL (marked with
``BOTH_DATABASES``): a PostgreSQL database per test costs seconds, so the budget goes where the SQL differs.

They sign in many demo people per test: their session tokens are issued directly (the password sign-in itself
is tested in tests/api/test_auth.py and costs an Argon2 hash per person)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from api.auth import tokens
from models import User
from models.db import session_scope

BOTH_DATABASES = pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


@pytest.fixture
def db_url(request: pytest.FixtureRequest) -> str:
    """SQLite unless the test asks for both databases with ``BOTH_DATABASES``."""
    kind = getattr(request, "param", "sqlite")
    return str(request.getfixturevalue("sqlite_db" if kind == "sqlite" else "pg_db"))


@pytest.fixture
def login(client, demo, db_url) -> Callable[[str], dict[str, str]]:  # type: ignore[no-untyped-def]
    """``login("teacher1")`` → bearer headers for that demo user, as /api/auth/token would issue them."""
    cache: dict[str, dict[str, str]] = {}

    def _login(username: str) -> dict[str, str]:
        if username not in cache:
            with session_scope(db_url) as session:
                user = session.get(User, demo[username])
                assert user is not None
                cache[username] = {"Authorization": f"Bearer {tokens.issue(user)}"}
        return cache[username]

    return _login
