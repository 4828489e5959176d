"""``PATCH /api/lessons/{id}/transcript/{line}``: correct a line; ``GET …/revisions``: its versions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DB, Access
from api.lessons.deps import VisibleLesson
from api.transcripts import service
from api.transcripts.schemas import CorrectionIn, LineOut
from api.types import PathId
from models.lifecycle import JobKind
from tingke import jobs_client

router = APIRouter(prefix="/api", tags=["transcripts"])


@router.patch("/lessons/{lesson_id}/transcript/{segment_id}", response_model=LineOut)
def correct(lesson: VisibleLesson, segment_id: PathId, body: CorrectionIn, session: DB, ctx: Access) -> Any:
    """Correct one line (text, optionally who spoke). Search finds the new words at once; the subtitles (file,
    HLS rendition, download) and the analytics that depend on the text are remade by the job it returns."""
    line = service.get_line(session, lesson, segment_id)
    service.correct_line(session, ctx, lesson, line, body.text, body.speaker)
    job = jobs_client.queue_job(session, lesson.id, JobKind.refresh_transcript)  # rung once the correction is committed
    return service.line_out(session, line, job.id)


@router.get("/lessons/{lesson_id}/transcript/{segment_id}/revisions", response_model=LineOut)
def history(lesson: VisibleLesson, segment_id: PathId, session: DB) -> Any:
    return service.line_out(session, service.get_line(session, lesson, segment_id))
