"""The library: search over lessons, transcripts and notes, and the lesson player."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.access import can_observe
from api.deps import DB
from api.pages.deps import PageAccess
from api.pages.errors import lesson_or_error_page
from api.pages.lessons import choices
from api.pages.rendering import render
from models.default_rubric import ensure_default_rubric

router = APIRouter(include_in_schema=False)


@router.get("/library", response_class=HTMLResponse)
def library(request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    """The form is filled from the URL; the results come from GET /api/search in the page script."""
    rubric = ensure_default_rubric(session)
    tags = [{"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en} for d in rubric.dimensions]
    params = {k: request.query_params.get(k, "") for k in ("q", "subject", "grade", "kind", "school", "tag")}
    return render(request, "library.html", ctx.user, active="library", params=params, tags=tags,
                  **choices(session, ctx))


@router.get("/lessons/{lesson_id}/play", response_class=HTMLResponse)
def player(lesson_id: int, request: Request, session: DB, ctx: PageAccess,
           t: Annotated[float, Query(ge=0, le=86400)] = 0) -> HTMLResponse:
    lesson = lesson_or_error_page(request, session, ctx, lesson_id)
    if isinstance(lesson, HTMLResponse):
        return lesson
    return render(request, "player.html", ctx.user, active="library", lesson=lesson,
                  may_observe=can_observe(ctx, lesson),
                  data={"lesson_id": lesson.id, "start": t, "status": lesson.status.value})
