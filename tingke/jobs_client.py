"""Queue processing for a lesson without importing the workers.

The Job row is the truth (workers/ owns the sweeper that re-sends forgotten jobs); the Celery
message sent here by task name is only a doorbell so that work starts at once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import lru_cache

from celery import Celery
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from models import Job, JobState, Lesson, LessonStatus, lifecycle
from models.lifecycle import WHOLE_PIPELINE, JobKind
from tingke import logs
from tingke.settings import get_settings
from tingke.stage_errors import StageError

log = logging.getLogger(__name__)

PROCESS_TASK = "tingke.process_job"


@lru_cache(maxsize=1)
def _client() -> Celery:
    settings = get_settings()
    return Celery("tingke-client", broker=settings.celery_broker, backend=settings.celery_backend)


def queue_job(session: Session, lesson_id: int, kind: JobKind, asset_id: int | None = None) -> Job:
    """Insert a queued Job in the caller's transaction; the doorbell rings once the caller commits it (a
    worker that answered earlier would not find the row), and not at all if the caller rolls back. The
    caller's transaction stays the caller's: what it writes with the job lands with it, or not at all."""
    job = Job(lesson_id=lesson_id, asset_id=asset_id, kind=JobKind(kind).value, state=JobState.queued, stage="queued")
    session.add(job)
    session.flush()
    job_id = job.id
    event.listen(session, "after_commit", lambda _session: ring(job_id), once=True)
    return job


def process(session: Session, lesson: Lesson, kind: JobKind = JobKind.process, asset_id: int | None = None) -> Job:
    """The lesson goes to processing and the whole pipeline is queued for it, in one step: a new recording
    (an upload, the relay's parts), or a reprocess. Raises lifecycle.TransitionError where the lifecycle
    does not allow it."""
    if kind not in WHOLE_PIPELINE:
        raise ValueError(f"{kind} is not a whole-pipeline job")
    lifecycle.move(lesson, LessonStatus.processing)
    lesson.failure_reason = None
    return queue_job(session, lesson.id, kind, asset_id)


def ring(job_id: int) -> None:
    try:
        # the request id travels in the task's headers: the worker's log lines for this job carry it
        _client().send_task(PROCESS_TASK, args=[job_id], headers={"request_id": logs.request_id.get()})
    except Exception:  # the broker may be down; the sweeper will send it later
        log.warning("could not send job %s to the broker; the sweeper will retry", job_id, exc_info=True)


SUPERSEDED = StageError("superseded", "本课已继续直播，新的一段录完后整节课重新处理",
                        "The lesson was resumed; it is processed again, whole, once the new part is recorded").reason


def supersede(session: Session, lesson_id: int) -> list[int]:
    """Stop the lesson's unfinished processing jobs (it was resumed: a later job joins every part).

    A queued job is simply failed. A running one is failed too but keeps its ``owner`` and
    ``lease_until``: its worker notices at its next progress write, heartbeat or store (all conditional
    on ``state = running``) and writes nothing more, and until that lease runs out no other job of the
    lesson is claimed (workers/jobs.py ``claim``), so two runs never share the lesson's output folder."""
    jobs = session.scalars(select(Job).where(Job.lesson_id == lesson_id,
                                             Job.state.in_([JobState.queued, JobState.running]))
                          .with_for_update()).all()  # waits for a store in progress (workers/jobs.assert_ours)
    t = datetime.now(UTC)
    for job in jobs:
        job.state, job.error, job.finished_at = JobState.failed, SUPERSEDED, t
    return [job.id for job in jobs]
