"""Queue processing for a lesson without importing the workers.

The Job row is the truth (workers/ owns the sweeper that re-sends forgotten jobs); the Celery
message sent here by task name is only a doorbell so that work starts at once.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from celery import Celery
from sqlalchemy.orm import Session

from models import Job, JobState
from tingke.settings import get_settings

log = logging.getLogger(__name__)

PROCESS_TASK = "tingke.process_job"


@lru_cache(maxsize=1)
def _client() -> Celery:
    settings = get_settings()
    return Celery("tingke-client", broker=settings.celery_broker, backend=settings.celery_backend)


def queue_job(session: Session, lesson_id: int, kind: str, asset_id: int | None = None) -> Job:
    """Insert a queued Job and ring the doorbell after the row is committed."""
    job = Job(lesson_id=lesson_id, asset_id=asset_id, kind=kind, state=JobState.queued, stage="queued")
    session.add(job)
    session.commit()
    ring(job.id)
    return job


def ring(job_id: int) -> None:
    try:
        _client().send_task(PROCESS_TASK, args=[job_id])
    except Exception:  # the broker may be down; the sweeper will send it later
        log.warning("could not send job %s to the broker; the sweeper will retry", job_id, exc_info=True)
