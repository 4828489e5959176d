"""Live lesson test support: the relay in its own process (tests/streaming) sharing the test's database
and media folder with the app served by uvicorn (tests/web's ``server``), and small helpers.

Not a conftest: the browser tests live in tests/web (one sync Playwright per session) and import
``live_site`` from here; tests/live/conftest.py re-exports the helpers for the API and HLS tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.streaming.conftest import RelayProcess
from tingke.settings import reset_settings

BROADCAST_TITLE = "勾股定理（示范课）"
DUAL_TITLE = "双师课堂：圆的面积"


def _relay_for_app(env: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, **settings: Any) -> RelayProcess:
    """A recording relay writing into the app's media folder and database; the app's relay_base
    points at it."""
    process = RelayProcess(env, database_url=db_url, broker_url="memory://", live_segment_seconds=2,
                           live_hls_segment_seconds=2, **settings)  # the default 60 s grace: reconnects
    monkeypatch.setenv("TINGKE_RELAY_PUBLIC_URL", process.base_url)
    reset_settings()
    return process


@pytest.fixture
def live_site(env: Path, sqlite_db: str, monkeypatch: pytest.MonkeyPatch,
              server: str) -> Iterator[tuple[str, RelayProcess]]:
    """The app and a relay with live HLS, sharing one database and media folder."""
    process = _relay_for_app(env, sqlite_db, monkeypatch)
    yield server, process
    process.stop()


@pytest.fixture
def live_site_without_hls(env: Path, sqlite_db: str, monkeypatch: pytest.MonkeyPatch,
                          server: str) -> Iterator[tuple[str, RelayProcess]]:
    """The same without the live HLS ffmpeg (tests that do not look at it spare the CPU)."""
    process = _relay_for_app(env, sqlite_db, monkeypatch, live_hls="false")
    yield server, process
    process.stop()


@pytest.fixture
def live_site_forwarding_only(env: Path, sqlite_db: str, monkeypatch: pytest.MonkeyPatch,
                              server: str) -> Iterator[tuple[str, RelayProcess]]:
    """The same without recording (so without HLS): nothing wants whole frames, and the relay
    forwards the browsers' packets without reassembling them."""
    process = _relay_for_app(env, sqlite_db, monkeypatch, live_record="false")
    yield server, process
    process.stop()


def bearer(base_url: str, username: str) -> dict[str, str]:
    reply = httpx.post(f"{base_url}/api/auth/token", data={"username": username, "password": "tingke-demo"})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def wait_for(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
