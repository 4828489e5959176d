"""The home page: what this person teaches, may observe, what is live, and their counts this semester."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, or_, select

from api.access import can_observe, visible_lessons_clause
from api.deps import DB
from api.pages.deps import PageAccess
from api.pages.rendering import render
from models import Lesson, LessonClassroom, LessonStatus, Observation, ObservationState
from tingke.semesters import current_semester, semester_bounds
from tingke.timezone import day_window

router = APIRouter(include_in_schema=False)

RECENT = 20


def semester_counts(session: DB, user_id: int, semester: str) -> dict[str, int]:
    """My observations this semester: all, submitted, drop-in, and drop-ins the teacher signed."""
    first, last = semester_bounds(semester)
    start, end = day_window(first, last)
    rows = session.execute(
        select(Observation.state, Observation.drop_in, func.count())
        .where(Observation.observer_id == user_id, Observation.created_at >= start, Observation.created_at <= end)
        .group_by(Observation.state, Observation.drop_in)
    ).all()
    counts = {"total": 0, "submitted": 0, "drop_in": 0, "signed": 0}
    for state, drop_in, n in rows:
        counts["total"] += n
        if state != ObservationState.draft:
            counts["submitted"] += n
        if drop_in:
            counts["drop_in"] += n
            if state == ObservationState.signed_off:
                counts["signed"] += n
    return counts


@router.get("/", response_class=HTMLResponse, response_model=None)
def home(request: Request, session: DB, ctx: PageAccess) -> Response:
    me = ctx.user
    if ctx.is_admin:  # the district office starts at its own overview, not at a teacher's lessons
        return RedirectResponse("/admin", status_code=303)
    visible = visible_lessons_clause(ctx)
    order = (Lesson.scheduled_at.desc().nulls_last(), Lesson.id.desc())
    mine_clause = or_(Lesson.teacher_id == me.id,
                      Lesson.id.in_(select(LessonClassroom.lesson_id).where(LessonClassroom.teacher_id == me.id)))
    mine = list(session.scalars(select(Lesson).where(mine_clause).order_by(*order).limit(RECENT)))
    live = list(session.scalars(select(Lesson).where(visible, Lesson.status == LessonStatus.live).order_by(*order)))
    candidates = session.scalars(
        select(Lesson).where(visible, Lesson.teacher_id != me.id, Lesson.status != LessonStatus.failed)
        .order_by(*order).limit(RECENT * 3))
    observable = [lesson for lesson in candidates if can_observe(ctx, lesson)][:RECENT]
    observing = dict(session.execute(
        select(Observation.lesson_id, Observation.state).where(Observation.observer_id == me.id)).all())
    awaiting = session.scalar(
        select(func.count()).select_from(Observation).join(Lesson, Observation.lesson_id == Lesson.id)
        .where(Lesson.teacher_id == me.id, Observation.drop_in.is_(True),
               Observation.state == ObservationState.submitted)) or 0
    semester = current_semester()
    return render(request, "home.html", me, active="home", mine=mine, live=live, observable=observable,
                  observing=observing, counts=semester_counts(session, me.id, semester), semester=semester,
                  awaiting=awaiting)
