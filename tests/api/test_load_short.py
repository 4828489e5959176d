"""Issue 11 item 11, the short version of the load scenario (bench/load.py has the long one and the
speed targets): a real uvicorn process on the embedded SQLite default, 20 HLS viewers, 30 observers
posting 15 notes/s for 20 s and reading each note back, health probed twice a second. Correctness
only: no request fails and no note is lost. (The old code answered 500 "database is locked": each
write transaction stayed open until after its response was sent, while the request threads waited.)"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from models.db import session_scope
from testkit.api_process import api_process
from testkit.load import Tally, notes_kept, observer, prepared_ladder, prober, ready_lesson, sign_in, viewer
from tests.conftest import TEST_SECRET

# 30 observers who open their observation as the lesson starts and write at the same moments:
# 30 concurrent writers every 2 s, as when the teacher asks the question everyone notes.
VIEWERS, OBSERVERS, RATE, SECONDS = 20, 30, 15.0, 20.0
PASSWORD = "short-load-password"


@pytest.fixture(scope="module")
def ladder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list, float]:
    return prepared_ladder(tmp_path_factory.mktemp("ladder"), seconds=20, size="640x360")


async def load(base: str, lesson_id: int, observers: list[str], length: float, tally: Tally) -> None:
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=60, keepalive_expiry=1.0)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        people = [await sign_in(client, name, PASSWORD) for name in observers]
        stop_at = time.monotonic() + SECONDS
        await asyncio.gather(
            *(viewer(i, client, people[i % len(people)], lesson_id, tally, stop_at) for i in range(VIEWERS)),
            *(observer(i, len(people), client, people[i], lesson_id, length, RATE, tally, stop_at, read_back=True,
                       together=True)
              for i in range(len(people))),
            prober(client, tally, stop_at))


def test_a_short_lesson_load_loses_nothing(sqlite_db: str, env: Path, ladder: tuple[Path, list, float]) -> None:
    from tingke.entry.demo import seed_demo

    with session_scope(sqlite_db) as session:
        seed_demo(session)
    hls, rungs, duration = ladder
    world = ready_lesson(sqlite_db, env / "media", hls, rungs, duration, OBSERVERS, PASSWORD)
    settings = {"TINGKE_DATA_DIR": str(env), "TINGKE_DATABASE_URL": sqlite_db, "TINGKE_SECRET_KEY": TEST_SECRET,
                "TINGKE_RELAY_PORT": "9"}
    tally = Tally()
    with api_process(settings) as api:
        asyncio.run(asyncio.wait_for(load(api.base, world.lesson_id, world.observers, duration, tally), SECONDS + 60))

    assert not tally.errors, (dict(tally.errors), tally.error_samples)
    assert tally.latencies["segment"] and tally.latencies["health"]
    assert tally.notes_sent >= RATE * SECONDS * 0.6  # the load was applied (a shared machine starts slower)
    stored, missing = notes_kept(sqlite_db, world.lesson_id, tally.notes_acked)
    assert len(tally.notes_acked) == tally.notes_sent and missing == 0
    assert stored == tally.notes_sent
