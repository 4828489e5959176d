"""The observer workspace (听课) and the observed teacher's sign-off page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from api.access import observe_refusal
from api.deps import DB
from api.observations import service as observations
from api.pages.deps import PageAccess
from api.pages.errors import error_page, lesson_or_error_page
from api.pages.rendering import render
from models import Lesson, Observation, ObservationState, Rubric
from models.default_rubric import ensure_default_rubric

router = APIRouter(include_in_schema=False)


def rubric_data(rubric: Rubric) -> list[dict[str, object]]:
    return [{"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "weight": d.weight,
             "max_score": d.max_score, "descriptors": d.descriptors} for d in rubric.dimensions]


def lesson_data(lesson: Lesson) -> dict[str, object]:
    return {"id": lesson.id, "title": lesson.title, "status": lesson.status.value,
            "length_seconds": lesson.length_seconds, "scheduled_at": lesson.scheduled_at}


@router.get("/lessons/{lesson_id}/observe", response_class=HTMLResponse)
def workspace(lesson_id: int, request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    lesson = lesson_or_error_page(request, session, ctx, lesson_id)
    if isinstance(lesson, HTMLResponse):
        return lesson
    mine = session.scalar(select(Observation).where(Observation.lesson_id == lesson.id,
                                                    Observation.observer_id == ctx.user.id))
    refusal = observe_refusal(ctx, lesson) if mine is None else None
    if refusal is not None:
        return error_page(request, ctx, 403, "lesson.why_not_observe." + refusal)
    rubric = mine.rubric if mine is not None else ensure_default_rubric(session)
    return render(request, "observe.html", ctx.user, active="lessons", lesson=lesson,
                  data={"lesson": lesson_data(lesson), "rubric": rubric_data(rubric),
                        "observation": observations.to_out(mine).model_dump(mode="json") if mine else None})


@router.get("/signoffs", response_class=HTMLResponse)
def signoffs(request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    """Drop-in observations of my lessons: waiting for my signature, and those I signed."""
    rows = list(session.scalars(
        select(Observation).join(Lesson, Observation.lesson_id == Lesson.id)
        .where(Lesson.teacher_id == ctx.user.id, Observation.drop_in.is_(True),
               Observation.state.in_([ObservationState.submitted, ObservationState.signed_off]))
        .order_by(Observation.state, Observation.submitted_at.desc())))
    waiting = [o for o in rows if o.state == ObservationState.submitted]
    signed = [o for o in rows if o.state == ObservationState.signed_off]
    return render(request, "signoffs.html", ctx.user, active="signoffs", waiting=waiting, signed=signed,
                  totals={o.id: observations.weighted_total(o) for o in rows})
