"""The Job row is the truth: claiming with a lease, heartbeats, progress, and the end of a job.

Every write that changes a running job is conditional on ``owner`` so that a worker whose
lease ran out (it was paused, or its heartbeat failed) can never overwrite the work of the
worker that took the job over.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, aliased

from models import Job, JobState, Lesson, LessonStatus, lifecycle
from models.db import session_scope
from models.lifecycle import WHOLE_PIPELINE
from tingke import notices
from tingke.settings import get_settings
from tingke.stage_errors import LeaseLost

log = logging.getLogger(__name__)

RENEWAL_WORST_SECONDS = 20.0  # one renewal attempt can wait this long (SQLite's busy_timeout is 15 s)


def now() -> datetime:
    return datetime.now(UTC)


def worker_identity() -> str:
    """Unique per process and run: host, pid and a random suffix (pids are reused after a crash)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def claim(job_id: int, owner: str) -> bool:
    """Atomically take a queued job, or one whose lease ran out. False when someone else holds it."""
    settings = get_settings()
    t = now()
    other = aliased(Job)
    busy_lesson = (
        select(other.id)
        # a superseded job (tingke.jobs_client.supersede) keeps its lease until its worker has noticed
        .where(other.lesson_id == Job.lesson_id, other.id != Job.id,
               other.state.in_([JobState.running, JobState.failed]), other.lease_until >= t)
        .exists()
    )
    with session_scope(settings.db_url) as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job_id)
            .where(or_(Job.state == JobState.queued, (Job.state == JobState.running) & (Job.lease_until < t)))
            .where(~busy_lesson)  # one job per lesson at a time: they share its output folder
            .values(state=JobState.running, owner=owner, attempts=Job.attempts + 1,
                    lease_until=t + timedelta(seconds=settings.job_lease_seconds), updated_at=t, error=None)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def renew(job_id: int, owner: str) -> bool:
    settings = get_settings()
    t = now()
    with session_scope(settings.db_url) as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.owner == owner, Job.state == JobState.running)
            .values(lease_until=t + timedelta(seconds=settings.job_lease_seconds))
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def assert_ours(session: Session, job_id: int, owner: str) -> None:
    """Inside a transaction that writes a job's results: raise LeaseLost unless the job is still running
    and ours (it may have been taken over, or superseded because its lesson was resumed). The row is
    locked so that superseding waits for the results or the results are not written."""
    mine = session.scalar(select(Job.id).where(Job.id == job_id, Job.owner == owner, Job.state == JobState.running)
                          .with_for_update())
    if mine is None:
        raise LeaseLost(f"job {job_id} is no longer owned by {owner}")


def set_progress(job_id: int, owner: str, stage: str, percent: int) -> None:
    """Record the stage and overall percent; raises LeaseLost when the job is no longer ours."""
    with session_scope(get_settings().db_url) as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.owner == owner, Job.state == JobState.running)
            .values(stage=stage, progress=max(0, min(100, percent)), updated_at=now())
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise LeaseLost(f"job {job_id} is no longer owned by {owner}")


def finish(job_id: int, owner: str, *, error: str | None = None) -> bool:
    """Mark the job done (or failed with a reason); a whole-pipeline job also moves its lesson from
    processing to ready (or failed) and tells its teacher. A transcript refresh leaves the lesson as it is
    (a failed refresh keeps the recording playable; the job says what failed)."""
    t = now()
    with session_scope(get_settings().db_url) as session:
        job = session.execute(  # locked: a resume superseding the job (jobs_client.supersede) waits or wins
            select(Job).where(Job.id == job_id, Job.owner == owner, Job.state == JobState.running).with_for_update()
        ).scalar_one_or_none()
        if job is None:
            return False
        job.state = JobState.failed if error else JobState.done
        job.error = error
        job.finished_at = t
        job.lease_until = None
        if not error:
            job.progress, job.stage = 100, "done"
        lesson = session.get(Lesson, job.lesson_id)
        if lesson is None or job.kind not in WHOLE_PIPELINE:
            return True
        if lesson.status != LessonStatus.processing:  # cannot happen: a resume supersedes the job first
            log.warning("job %s ended but lesson %s is %s, not processing: left as it is", job_id, lesson.id,
                        lesson.status.value)
            return True
        lifecycle.move(lesson, LessonStatus.failed if error else LessonStatus.ready)
        lesson.failure_reason = error
        notices.recording_processed(session, lesson, failed=bool(error))  # same transaction as the status
        return True


def release(job_id: int, owner: str) -> None:
    """Give a job back to the queue (a transient fault); the retry or the sweeper takes it again."""
    with session_scope(get_settings().db_url) as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.owner == owner, Job.state == JobState.running)
            .values(state=JobState.queued, owner=None, lease_until=None, updated_at=now())
            .execution_options(synchronize_session=False)
        )


class Heartbeat:
    """Renews the lease in a thread while the stages run; ``lost`` is set if renewal fails."""

    def __init__(self, job_id: int, owner: str) -> None:
        self.job_id, self.owner = job_id, owner
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job_id}", daemon=True)

    def _run(self) -> None:
        lease = get_settings().job_lease_seconds
        interval = max(0.5, lease / 3)
        renewed, wait = time.monotonic(), interval
        while not self._stop.wait(wait):
            try:
                if not renew(self.job_id, self.owner):
                    self.lost.set()
                    return
                renewed, wait = time.monotonic(), interval
            except Exception:  # a busy database: try again soon, not a whole beat later
                log.warning("lease renewal of job %s failed", self.job_id, exc_info=True)
                wait = min(interval, 1.0)
                if time.monotonic() - renewed >= lease - min(lease / 2, RENEWAL_WORST_SECONDS):
                    # The lease may run out before the next attempt returns and the sweeper then hands the job
                    # to another run: stop this one rather than have two runs of one job write the same outputs.
                    log.warning("job %s: lease not renewed for %.0f s; stopping this run", self.job_id,
                                time.monotonic() - renewed)
                    self.lost.set()
                    return

    def check(self) -> None:
        if self.lost.is_set():
            raise LeaseLost(f"job {self.job_id} was taken over")

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
