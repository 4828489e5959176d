"""Fixtures shared by every test: settings in a temporary folder, real databases, the app, sign-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from models.db import engine_for, session_scope
from tests.support import databases
from tingke.settings import reset_settings

TEST_SECRET = "test-secret-key-not-for-production"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.create_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    name = databases.create_pg_template()
    yield name
    engine_for.cache_clear()
    databases.drop_pg(name)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every setting at a fresh folder; returns the data folder."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("TINGKE_DATA_DIR", str(data))
    monkeypatch.setenv("TINGKE_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TINGKE_RELAY_PORT", "9")  # nothing listens: health reports the relay unreachable
    for var in ("TINGKE_DATABASE_URL", "TINGKE_BROKER_URL", "TINGKE_RESULT_BACKEND", "TINGKE_MEDIA_DIR"):
        monkeypatch.delenv(var, raising=False)
    reset_settings()
    yield data
    reset_settings()


@pytest.fixture
def sqlite_db(env: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = databases.copy_sqlite(sqlite_template, env)
    monkeypatch.setenv("TINGKE_DATABASE_URL", url)
    reset_settings()
    return url


@pytest.fixture
def pg_db(env: Path, pg_template: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name, url = databases.create_pg_from(pg_template)
    monkeypatch.setenv("TINGKE_DATABASE_URL", url)
    reset_settings()
    yield url
    engine = engine_for(url)
    engine.dispose()
    databases.drop_pg(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The test runs once on SQLite and once on PostgreSQL."""
    return str(request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db"))


@pytest.fixture
def demo(db_url: str) -> dict[str, int]:
    """The demo community; returns user name → user id."""
    from tingke.entry.demo import seed_demo

    with session_scope(db_url) as session:
        users = seed_demo(session)
        return {name: user.id for name, user in users.items()}


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    from api.app import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


def sign_in(client: TestClient, username: str, password: str = "tingke-demo") -> dict[str, str]:
    reply = client.post("/api/auth/token", data={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


@pytest.fixture
def login(client: TestClient, demo: dict[str, int]):  # type: ignore[no-untyped-def]
    """``login("teacher1")`` → bearer headers for that demo user (cached per test)."""
    cache: dict[str, dict[str, str]] = {}

    def _login(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = sign_in(client, username)
        return cache[username]

    return _login
