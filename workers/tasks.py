"""Celery tasks. ``tingke.process_job`` is sent by name from tingke/jobs_client.py (args: [job_id])."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

from tingke import logs
from tingke.jobs_client import PROCESS_TASK
from tingke.stage_errors import LeaseLost, StageError
from workers.app import app
from workers.jobs import Heartbeat, claim, finish, release, worker_identity
from workers.metrics import JOBS_ENDED

log = logging.getLogger(__name__)

TRANSIENT = (OperationalError, DBAPIError, ConnectionError, TimeoutError)


@app.task(name=PROCESS_TASK, bind=True, max_retries=5)
def process_job(self: Any, job_id: int) -> str:
    """Claim the job (or return if another worker holds it), run its stages, record the end."""
    # the id of the request that queued the job (task headers, tingke/jobs_client.py) is on every line it logs
    token = logs.request_id.set(str(self.request.get("request_id") or ""))
    try:
        outcome = _process_job(self, job_id)
    finally:
        logs.request_id.reset(token)
    JOBS_ENDED.labels(outcome).inc()
    return outcome


def _process_job(self: Any, job_id: int) -> str:
    from workers.pipeline import run_job

    owner = worker_identity()
    try:
        if not claim(job_id, owner):
            return "not-claimed"
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=min(60, 2 ** self.request.retries)) from exc
    log.info("job %s claimed by %s", job_id, owner)
    try:
        with Heartbeat(job_id, owner) as beat:
            run_job(job_id, owner, beat)
    except LeaseLost:
        log.warning("job %s: lease lost; leaving it to its new owner", job_id)
        return "lease-lost"
    except StageError as exc:
        log.warning("job %s failed: %s", job_id, exc.reason)
        finish(job_id, owner, error=exc.reason)
        return "failed"
    except TRANSIENT as exc:
        log.warning("job %s: transient fault, retrying", job_id, exc_info=True)
        with contextlib.suppress(*TRANSIENT):  # else the lease runs out and the sweeper re-sends it
            release(job_id, owner)
        raise self.retry(exc=exc, countdown=min(60, 2 ** self.request.retries)) from exc
    except Exception as exc:  # a bug or an unexpected tool failure: fail the job with what we know
        log.exception("job %s crashed", job_id)
        err = StageError("internal", "处理时出现内部错误，请稍后重新处理",
                         f"Internal error: {type(exc).__name__}: {exc}")
        finish(job_id, owner, error=err.reason[:2000])
        return "failed"
    if not finish(job_id, owner):  # superseded meanwhile (its lesson was resumed) or taken over: not its end
        log.warning("job %s: no longer ours when it ended; its end is not recorded", job_id)
        return "lease-lost"
    return "done"
