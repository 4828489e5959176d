"""A lesson ended by mistake is resumed by its teacher (issue 12 part 2): with real aiortc peers, a real
relay process and a real worker, the second part is appended to the same recording (the first part's
files untouched), the lesson clock continues after the first part, and the one processing job that
runs joins both parts: the processed recording lasts their sum."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from api.access import load_context
from api.live.resume import resume
from models import Job, JobState, Lesson, LessonStatus
from models.db import session_scope
from testkit import peers
from tests.streaming.conftest import RelayProcess, live_token
from tests.streaming.test_finished_lesson import _digest, _record, _recordings
from tests.streaming.test_recording import _new_lesson, _status
from tests.streaming.test_relay_killed import _relay, _until
from tingke.jobs_client import SUPERSEDED

pytestmark = pytest.mark.slow

PART = 3.5  # seconds each part is published (4-s segments: the ingest check decodes the first 3 s)


def _jobs(url: str, lesson: str) -> list[Job]:
    with session_scope(url) as session:
        return list(session.scalars(select(Job).where(Job.lesson_id == int(lesson)).order_by(Job.id)))


def _lesson(url: str, lesson: str) -> Lesson:
    with session_scope(url) as session:
        row = session.get(Lesson, int(lesson))
        assert row is not None
        session.expunge(row)
        return row


def _resume(url: str, lesson: str) -> str:
    """What POST /api/lessons/{id}/live/resume does for the lesson's teacher; the relay token."""
    with session_scope(url) as session:
        row = session.get(Lesson, int(lesson))
        assert row is not None
        return resume(session, load_context(session, row.teacher), row).token


async def test_a_resumed_lesson_appends_a_second_part_and_is_processed_as_one(env: Path, sqlite_db: str,
                                                                             tmp_path: Path):
    from tests.support.pipeline import wait_job, worker

    started: list[RelayProcess] = []
    try:
        lesson = _new_lesson(sqlite_db)
        relay = _relay(env, sqlite_db, started, 4.0)
        first_span = await _record(relay, lesson, live_token(lesson), PART)
        [first] = _recordings(sqlite_db, lesson)
        ended = _lesson(sqlite_db, lesson)
        assert ended.status == LessonStatus.processing and ended.live_ended_at is not None
        [earlier_job] = _jobs(sqlite_db, lesson)
        first_folder = env / "media" / Path(first.path).parent
        before = _digest(first_folder)

        token = _resume(sqlite_db, lesson)  # the teacher presses 继续直播（接着录）
        assert _status(sqlite_db, lesson) == LessonStatus.live
        [superseded] = _jobs(sqlite_db, lesson)
        assert superseded.id == earlier_job.id and superseded.state == JobState.failed
        assert superseded.error == SUPERSEDED

        publisher, _ = await peers.publish(relay.base_url, lesson, token)
        await _until(lambda: _lesson(sqlite_db, lesson).live_resumed_at is None, 10, "the relay to mark it live")
        room = httpx.get(f"{relay.base_url}/rooms/{lesson}", headers={"Authorization": f"Bearer {token}"},
                         timeout=10).json()
        # the lesson clock (broadcaster's, observers', notes') continues after the first part
        assert first.duration_seconds is not None
        assert first.duration_seconds <= room["live_seconds"] <= first.duration_seconds + 2.0, room
        await asyncio.sleep(PART)
        assert await publisher.leave() == 200
        ended_again = httpx.post(f"{relay.base_url}/rooms/{lesson}/end",
                                 headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert ended_again.status_code == 200, ended_again.text

        assets = _recordings(sqlite_db, lesson)
        assert len(assets) == 2 and assets[0].id == first.id and assets[0].path == first.path
        assert assets[1].path != first.path and _digest(first_folder) == before  # nothing replaced
        parts = sum(a.duration_seconds or 0 for a in assets)
        assert parts == pytest.approx(first_span + PART, abs=1.5)
        jobs = _jobs(sqlite_db, lesson)
        assert [j.state for j in jobs] == [JobState.failed, JobState.queued]  # one job processes both parts

        with worker(tmp_path / "worker.log") as w:  # the relay rang no broker: the worker's sweeper finds it
            done = await asyncio.to_thread(wait_job, sqlite_db, jobs[1].id, timeout=300, w=w)
            assert done.state == JobState.done, (done.error, w.tail())
        processed = _lesson(sqlite_db, lesson)
        assert processed.status == LessonStatus.ready
        assert processed.length_seconds == pytest.approx(parts, abs=1.0), (processed.length_seconds, parts)
        assert _jobs(sqlite_db, lesson)[0].state == JobState.failed  # the superseded job never ran again
    finally:
        for process in started:
            if process.proc.poll() is None:
                process.stop()
