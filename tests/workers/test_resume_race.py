"""The earlier part's processing finishes *after* its teacher resumed the lesson (issue 12 part 2), with a
real relay process, real aiortc peers and a real worker process on PostgreSQL.

The interleaving is forced with the database's own locks, not with timing: the test holds the search
index table, so the worker stops inside its last stage (index, after its last progress write and after
storing its outputs); the resume is then pressed (it waits for the lesson row the worker's index holds),
and only then the worker is let go. Its end (``workers.jobs.finish``) therefore comes after the resume
superseded the job, which is the one thing that keeps the lesson live: the lesson must not become ready,
its media and status must stay as the resume left them, and the one job queued after the second part
processes both parts."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from models import JobState, LessonStatus, MediaAsset, Notification
from models.db import engine_for, session_scope
from testkit import peers
from tests.streaming.conftest import RelayProcess, live_token
from tests.streaming.test_finished_lesson import _digest, _record, _recordings
from tests.streaming.test_recording import _new_lesson
from tests.streaming.test_relay_killed import _relay, _until
from tests.streaming.test_resume import PART, _jobs, _lesson, _resume
from tests.support.pipeline import Worker, wait_job, worker
from tingke.jobs_client import SUPERSEDED
from workers.pipeline import OUTPUT_KINDS

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _waiting(url: str, fragment: str) -> list[str]:
    """The statements of other sessions waiting for a lock whose text contains ``fragment``."""
    with engine_for(url).connect() as conn:
        return list(conn.scalars(text(
            "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND pid <> pg_backend_pid() AND query ILIKE :q"), {"q": f"%{fragment}%"}))


def _outputs(url: str, lesson: str) -> list[tuple[int, str, str, Any]]:
    """The lesson's processing outputs (HLS, poster, storyboard, subtitles, composed) as stored."""
    with session_scope(url) as session:
        return [(a.id, a.kind.value, a.path, a.meta) for a in session.scalars(select(MediaAsset).where(
            MediaAsset.lesson_id == int(lesson), MediaAsset.kind.in_(OUTPUT_KINDS)).order_by(MediaAsset.id))]


def _notified(url: str, lesson: str) -> list[str]:
    with session_scope(url) as session:
        return list(session.scalars(select(Notification.kind).where(Notification.link == f"/lessons/{lesson}")))


def _ended(url: str, lesson: str, w: Worker) -> bool:
    """The earlier job's worker has ended it: it said its end is not recorded, or (wrongly) recorded one."""
    said = "its end is not recorded" in w.tail()
    return said or _lesson(url, lesson).status != LessonStatus.live or _jobs(url, lesson)[0].error != SUPERSEDED


def _until_sync(condition: Any, timeout: float, what: str, w: Worker) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\nworker log:\n{w.tail()}")


async def test_the_earlier_parts_job_ending_after_a_resume_leaves_the_lesson_live(env: Path, pg_db: str,
                                                                                 tmp_path: Path):
    started: list[RelayProcess] = []
    blocker = engine_for(pg_db).connect()
    try:
        lesson = _new_lesson(pg_db)
        relay = _relay(env, pg_db, started, 4.0)
        first_span = await _record(relay, lesson, live_token(lesson), PART)
        [first] = _recordings(pg_db, lesson)
        [earlier] = _jobs(pg_db, lesson)
        first_files = _digest(env / "media" / Path(first.path).parent)
        # the search index stays locked until the resume is under way: the worker stops in its index stage
        blocker.begin()
        blocker.execute(text("LOCK TABLE search_docs IN ACCESS EXCLUSIVE MODE"))

        with worker(tmp_path / "worker.log") as w:  # the relay rang no broker: the worker's sweeper finds it
            job = await asyncio.to_thread(wait_job, pg_db, earlier.id, timeout=300, w=w,
                                          until=lambda j: j.stage == "index"
                                          or j.state in (JobState.done, JobState.failed))
            assert (job.state, job.stage) == (JobState.running, "index"), (job.state, job.error, w.tail())
            await asyncio.to_thread(_until_sync, lambda: _waiting(pg_db, "search_docs"), 30,
                                    "the worker to wait for the search index", w)
            stored = _outputs(pg_db, lesson)  # the earlier part's outputs, stored before the resume
            assert [kind for _, kind, _, _ in stored].count("hls") == 1

            # the teacher presses 继续直播（接着录）: it supersedes the job, then waits for the lesson row
            resuming = asyncio.create_task(asyncio.to_thread(_resume, pg_db, lesson))
            await asyncio.to_thread(_until_sync, lambda: _waiting(pg_db, "UPDATE lessons"), 30,
                                    "the resume to wait for the lesson row", w)
            blocker.rollback()  # the worker indexes, and ends its job only after the resume is committed
            token = await asyncio.wait_for(resuming, 60)
            await asyncio.to_thread(_until_sync, lambda: _ended(pg_db, lesson, w), 60, "the earlier job's end", w)

            ended = _jobs(pg_db, lesson)[0]
            assert ended.id == earlier.id and ended.state == JobState.failed and ended.error == SUPERSEDED
            row = _lesson(pg_db, lesson)
            assert row.status == LessonStatus.live and row.failure_reason is None, (row.status, row.failure_reason)
            assert _outputs(pg_db, lesson) == stored  # its end changed nothing the resume left
            assert "recording_ready" not in _notified(pg_db, lesson)  # nor told the teacher it is ready

            # the second part; its end queues the one job that processes both parts
            publisher, _ = await peers.publish(relay.base_url, lesson, token)
            await _until(lambda: _lesson(pg_db, lesson).live_resumed_at is None, 10, "the relay to mark it live")
            await asyncio.sleep(PART)
            assert await publisher.leave() == 200
            again = await asyncio.to_thread(httpx.post, f"{relay.base_url}/rooms/{lesson}/end",
                                            headers={"Authorization": f"Bearer {token}"}, timeout=30)
            assert again.status_code == 200, again.text
            parts = _recordings(pg_db, lesson)
            assert len(parts) == 2 and parts[0].id == first.id
            jobs = _jobs(pg_db, lesson)
            assert [j.state for j in jobs] == [JobState.failed, JobState.queued], [(j.id, j.state) for j in jobs]
            final = await asyncio.to_thread(wait_job, pg_db, jobs[1].id, timeout=300, w=w)
            assert final.state == JobState.done, (final.error, w.tail())

        processed = _lesson(pg_db, lesson)
        assert processed.status == LessonStatus.ready
        total = sum(p.duration_seconds or 0 for p in parts)
        assert total == pytest.approx(first_span + PART, abs=1.5)
        assert processed.length_seconds == pytest.approx(total, abs=1.0), (processed.length_seconds, total)
        [hls] = [meta for _, kind, _, meta in _outputs(pg_db, lesson) if kind == "hls"]
        assert hls["sources"] == [parts[0].id, parts[1].id]  # both parts, in recording order
        assert _digest(env / "media" / Path(first.path).parent) == first_files  # the first part untouched
        assert _jobs(pg_db, lesson)[0].state == JobState.failed  # the superseded job never ran again
    finally:
        blocker.close()
        for process in started:
            if process.proc.poll() is None:
                process.stop()
