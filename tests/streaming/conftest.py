"""A real relay process on loopback (``python -m streaming --port 0``) and live tokens for it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.support import databases
from tingke.signing import sign_token

REPO = Path(__file__).resolve().parents[2]


class RelayProcess:
    """The relay in its own process, as in production (its decoder counter covers the process)."""

    def __init__(self, data_dir: Path, **settings: Any) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TINGKE_")}
        env.update({"TINGKE_DATA_DIR": str(data_dir), "TINGKE_SECRET_KEY": TEST_SECRET,
                    "TINGKE_LOG_LEVEL": "WARNING"})
        env.update({f"TINGKE_{k.upper()}": str(v) for k, v in settings.items()})
        self.data_dir = data_dir
        self.log = (data_dir / "relay.log").open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "streaming", "--host", "127.0.0.1", "--port", "0"],
                                     cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=self.log)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        assert line.startswith("relay listening on "), f"relay did not start: {line!r}"
        self.base_url = line.split()[-1]

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.base_url}/stats", timeout=10).json()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def live_token(room: str, role: str = "publisher", mode: str = "broadcast", sub: str = "1", label: str = "",
               ttl: int = 600, name: str = "", master: bool = False) -> str:
    claims = {"room": room, "role": role, "mode": mode, "sub": sub, "name": name or f"user {sub}", "label": label,
              "master": master}
    return sign_token("live", claims, ttl, key=TEST_SECRET.encode())


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayProcess]:
    process = RelayProcess(tmp_path_factory.mktemp("relay"), live_record="false", live_grace_seconds=2)
    yield process
    process.stop()


@pytest.fixture
def room() -> str:
    """A fresh room id (not a lesson in any database)."""
    return f"room-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def token() -> Callable[..., str]:
    return live_token


@pytest.fixture(scope="module")
def recording_relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RelayProcess, str]]:
    """A relay that records, with a migrated SQLite database and a short grace period."""
    data = tmp_path_factory.mktemp("recording-relay")
    url = databases.copy_sqlite(databases.create_sqlite_template(data), data)
    process = RelayProcess(data, database_url=url, live_grace_seconds=2, live_segment_seconds=2,
                           broker_url="memory://", live_hls="false")  # live HLS: tests/live
    yield process, url
    process.stop()
