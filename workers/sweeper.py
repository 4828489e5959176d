"""Re-send jobs the broker forgot: leases that ran out (a worker died) and queued jobs nobody took.

The embedded brokers lose a message whose worker was killed, and Redis returns it only after
its visibility timeout (see shared/studies/celery), so the database decides what must run.
A job that crashed ``job_max_attempts`` times is failed instead of being retried forever.
A lesson its teacher resumed (api/live/resume.py) but never went live again with is processed as it
was recorded (:func:`release_unused_resumes`), so a resume never leaves its recording unprocessed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update

from models import Job, JobState, Lesson, LessonStatus, MediaAsset, MediaKind, lifecycle
from models.db import session_scope
from models.lifecycle import JobKind
from tingke import jobs_client
from tingke.settings import get_settings
from tingke.stage_errors import StageError
from workers.jobs import now

log = logging.getLogger(__name__)

CRASHED = StageError("crashed", "处理多次中断，请重新处理或联系管理员", "Processing was interrupted too many times")


def sweep(send: Callable[[int], None]) -> list[int]:
    """One pass; returns the ids re-sent."""
    settings = get_settings()
    t = now()
    resend: list[int] = []
    with session_scope(settings.db_url) as session:
        expired = session.scalars(
            select(Job).where(Job.state == JobState.running, Job.lease_until < t)
        ).all()
        for job in expired:
            if job.attempts >= settings.job_max_attempts:
                job.state, job.error, job.finished_at, job.lease_until = JobState.failed, CRASHED.reason, t, None
                lesson = session.get(Lesson, job.lesson_id)
                if lesson is not None:
                    lesson.status, lesson.failure_reason = LessonStatus.failed, CRASHED.reason
                log.warning("job %s failed after %s interrupted attempts", job.id, job.attempts)
                continue
            # Conditional on the lease still being expired: a late heartbeat wins the race.
            back = session.execute(
                update(Job).where(Job.id == job.id, Job.state == JobState.running, Job.lease_until < t)
                .values(state=JobState.queued, owner=None, lease_until=None, updated_at=t)
                .execution_options(synchronize_session=False)
            )
            if back.rowcount:  # type: ignore[attr-defined]
                log.warning("job %s: lease of %s ran out; queued again", job.id, job.owner)
                resend.append(job.id)
        stale = t - timedelta(seconds=settings.job_resend_after_seconds)
        forgotten = session.scalars(select(Job.id).where(Job.state == JobState.queued, Job.updated_at < stale)).all()
        if forgotten:
            session.execute(update(Job).where(Job.id.in_(forgotten)).values(updated_at=t)
                            .execution_options(synchronize_session=False))
            resend.extend(forgotten)
    for job_id in resend:
        try:
            send(job_id)
        except Exception:
            log.warning("could not re-send job %s; next sweep tries again", job_id, exc_info=True)
    return resend


def release_unused_resumes() -> list[int]:
    """Lessons resumed whose publisher never came (its grant expired, plus the relay's grace): back to
    processing with the parts recorded so far (the resume superseded their processing). Returns them."""
    settings = get_settings()
    t = now()
    unused = t - timedelta(seconds=settings.live_token_ttl_seconds + settings.live_grace_seconds)
    released: list[int] = []
    with session_scope(settings.db_url) as session:
        ids = session.scalars(select(Lesson.id).where(Lesson.status == LessonStatus.live,
                                                      Lesson.live_resumed_at < unused)).all()
    for lesson_id in ids:
        with session_scope(settings.db_url) as session:
            recorded = session.scalar(select(MediaAsset.id).where(
                MediaAsset.lesson_id == lesson_id,
                MediaAsset.kind.in_([MediaKind.live_recording, MediaKind.upload])).limit(1))
            # nothing to process cannot happen after a live part; be safe: it was never held
            back_to = LessonStatus.processing if recorded is not None else LessonStatus.scheduled
            # conditional: a publisher arriving now (the relay clears live_resumed_at) wins
            if not lifecycle.move_where(session, lesson_id, back_to, only_from=[LessonStatus.live],
                                        where=[Lesson.live_resumed_at < unused], live_resumed_at=None):
                continue
            if recorded is None:
                continue
            log.warning("lesson %s was resumed but nobody went live; processing what was recorded", lesson_id)
            jobs_client.queue_job(session, lesson_id, JobKind.process)
            released.append(lesson_id)
    return released


class Sweeper(threading.Thread):
    """Runs :func:`sweep` every ``job_sweep_seconds`` inside the worker process."""

    def __init__(self, send: Callable[[int], None]) -> None:
        super().__init__(name="job-sweeper", daemon=True)
        self.send = send
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = get_settings().job_sweep_seconds
        while not self.stopped.is_set():
            try:
                sweep(self.send)
                release_unused_resumes()
            except Exception:
                log.warning("sweep failed; retrying in %ss", interval, exc_info=True)
            self.stopped.wait(interval)
