"""Issue 11 item 11, "a job ran twice": a worker whose lease renewals keep failing (the database busy
or away) must stop its run before the lease runs out, because the sweeper then gives the job to
another run. The old heartbeat only logged the failures and let the first run go on beside the second."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from models import Job, JobState, Lesson
from models.db import session_scope
from tests.support.databases import PG_ADMIN_URL
from tingke.settings import reset_settings
from workers.jobs import Heartbeat, claim, worker_identity


def set_connections(url: str, allowed: bool) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))


@pytest.mark.postgres
def test_a_run_whose_lease_cannot_be_renewed_stops_before_it_runs_out(
        pg_db: str, env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tingke.entry.demo import seed_demo

    monkeypatch.setenv("TINGKE_JOB_LEASE_SECONDS", "4")
    reset_settings()
    with session_scope(pg_db) as session:
        seed_demo(session)
        lesson_id = session.scalars(select(Lesson.id).order_by(Lesson.id)).first()
        job = Job(lesson_id=lesson_id, kind="process_lesson", state=JobState.queued, stage="queued")
        session.add(job)
        session.flush()
        job_id = job.id
    owner = worker_identity()
    assert claim(job_id, owner)
    with Heartbeat(job_id, owner) as beat:
        time.sleep(1.6)  # one renewal went through
        assert not beat.lost.is_set()
        set_connections(pg_db, allowed=False)
        try:
            lost_after = time.monotonic()
            assert beat.lost.wait(timeout=6), "the run went on although its lease could not be renewed"
            assert time.monotonic() - lost_after < 4  # before the lease ran out
        finally:
            set_connections(pg_db, allowed=True)
