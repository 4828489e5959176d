"""Processing jobs: progress of one job, and reprocessing a lesson."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import select

from api.deps import DB, Access
from api.errors import APIError, not_found
from api.lessons.deps import ManagedLesson
from api.lessons.service import get_visible
from api.media.service import active_job
from models import Job, MediaAsset, MediaKind
from models.lifecycle import JobKind
from tingke import jobs_client

router = APIRouter(prefix="/api", tags=["jobs"])


def job_out(job: Job) -> dict[str, Any]:
    return {"id": job.id, "lesson_id": job.lesson_id, "kind": job.kind, "state": job.state.value,
            "stage": job.stage, "progress": job.progress, "error": job.error, "attempts": job.attempts,
            "created_at": job.created_at, "updated_at": job.updated_at, "finished_at": job.finished_at,
            "report": job.report or {}}


@router.get("/jobs/{job_id}")
def get_job(job_id: int, session: DB, ctx: Access) -> dict[str, Any]:
    """Stage, percent, state and error of a job, for anyone who may see its lesson."""
    job = session.get(Job, job_id)
    if job is None:
        raise not_found("job")
    try:
        get_visible(session, ctx, job.lesson_id)
    except APIError as exc:
        raise not_found("job") from exc
    return job_out(job)


@router.post("/lessons/{lesson_id}/reprocess", status_code=202)
def reprocess(lesson: ManagedLesson, session: DB) -> JSONResponse:
    """Run the whole pipeline again (after a failure, or with better models); 409 while a job runs."""
    running = active_job(session, lesson.id)
    if running is not None:
        raise APIError(409, "job_running", f"Job {running.id} of this lesson is still {running.state.value}.")
    has_source = session.scalars(select(MediaAsset.id).where(
        MediaAsset.lesson_id == lesson.id, MediaAsset.kind.in_([MediaKind.upload, MediaKind.live_recording]))).first()
    if has_source is None:
        raise APIError(409, "no_recording", "The lesson has no recording to process. 这节课还没有录像。")
    job = jobs_client.process(session, lesson, JobKind.reprocess)
    return JSONResponse(jsonable_encoder(job_out(job)), status_code=202)
