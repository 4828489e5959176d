"""The live pages: phone publisher (broadcast), dual classroom, observer (WHEP) and crowd (HLS)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from api.access import can_observe, can_publish_live, observe_refusal
from api.deps import DB
from api.pages.deps import PageAccess
from api.pages.errors import error_page, lesson_or_error_page
from api.pages.rendering import render
from models import Lesson, Observation, RoomMode

router = APIRouter(include_in_schema=False)


def _lesson_data(lesson: Lesson) -> dict[str, Any]:
    return {"id": lesson.id, "title": lesson.title, "mode": lesson.room_mode.value, "status": lesson.status.value,
            "classrooms": [c.label for c in lesson.classrooms]}


@router.get("/lessons/{lesson_id}/live", response_class=HTMLResponse)
def publish_page(lesson_id: int, request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    """A broadcast lesson's phone publisher page, or a dual lesson's classroom page."""
    lesson = lesson_or_error_page(request, session, ctx, lesson_id)
    if isinstance(lesson, HTMLResponse):
        return lesson
    if not can_publish_live(ctx, lesson):
        return error_page(request, ctx, 403, "live.error.may_not_publish")
    template = "live_classroom.html" if lesson.room_mode == RoomMode.dual else "live_publish.html"
    return render(request, template, ctx.user, active="lessons", lesson=lesson, data={"lesson": _lesson_data(lesson)})


@router.get("/lessons/{lesson_id}/live/observe", response_class=HTMLResponse)
def observe_page(lesson_id: int, request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    """Low-delay view of every publisher, with a notes panel for the observer's observation."""
    lesson = lesson_or_error_page(request, session, ctx, lesson_id)
    if isinstance(lesson, HTMLResponse):
        return lesson
    mine = session.scalar(select(Observation).where(Observation.lesson_id == lesson.id,
                                                    Observation.observer_id == ctx.user.id))
    data = {"lesson": _lesson_data(lesson), "observation_id": mine.id if mine else None,
            "may_observe": can_observe(ctx, lesson)}
    return render(request, "live_observe.html", ctx.user, active="lessons", lesson=lesson, data=data,
                  observe_refusal=observe_refusal(ctx, lesson))


@router.get("/lessons/{lesson_id}/live/watch", response_class=HTMLResponse)
def watch_page(lesson_id: int, request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    """The crowd's HLS player (also the replay right after the lesson)."""
    lesson = lesson_or_error_page(request, session, ctx, lesson_id)
    if isinstance(lesson, HTMLResponse):
        return lesson
    return render(request, "live_watch.html", ctx.user, active="lessons", lesson=lesson,
                  data={"lesson": _lesson_data(lesson)})
