"""Lesson pages: the list with filters, scheduling a lesson, one lesson, and 同课异构 grouping."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from api.access import (
    AccessContext,
    can_manage_lesson,
    can_observe,
    can_publish_live,
    observe_refusal,
    visible_lessons_clause,
)
from api.deps import DB
from api.lessons import service
from api.pages.deps import PageAccess
from api.pages.errors import lesson_or_error_page
from api.pages.rendering import render
from models import (
    Job,
    Lesson,
    LessonKind,
    LessonStatus,
    Observation,
    RoomMode,
    School,
    User,
    UserRole,
    Visibility,
)

router = APIRouter(include_in_schema=False)
PER_PAGE = 20


def choices(session: DB, ctx: AccessContext) -> dict[str, Any]:
    """What the filter and scheduling forms offer: the schools and teachers this person can see."""
    school_ids = ctx.visible_school_ids | ({ctx.user.school_id} if ctx.user.school_id else set())
    school_query = select(School).order_by(School.id)
    if not ctx.is_admin:
        school_query = school_query.where(School.id.in_(school_ids or {-1}))
    schools = list(session.scalars(school_query))
    teachers = list(session.scalars(select(User).where(
        User.school_id.in_([s.id for s in schools] or [-1]), User.is_active.is_(True)).order_by(User.id)))
    visible = visible_lessons_clause(ctx)
    subjects = sorted(set(session.scalars(select(Lesson.subject).where(visible).distinct())))
    grades = sorted(set(session.scalars(select(Lesson.grade).where(visible).distinct())))
    return {"schools": schools, "teachers": teachers, "subjects": subjects, "grades": grades,
            "kinds": list(LessonKind), "statuses": list(LessonStatus), "visibilities": list(Visibility),
            "room_modes": list(RoomMode)}


@router.get("/lessons", response_class=HTMLResponse)
def lesson_list(
    request: Request, session: DB, ctx: PageAccess,
    subject: Annotated[str | None, Query(max_length=50)] = None,
    grade: Annotated[str | None, Query(max_length=20)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    school: Annotated[str | None, Query(max_length=12)] = None,
    when: Annotated[str | None, Query(max_length=12)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> HTMLResponse:
    """Lessons to come (live ones first, then the soonest) apart from those already held (the latest
    first), each list with its count, filtered and searched by keyword."""
    # Empty selects arrive as ""; unknown values simply match nothing rather than erroring.
    keyword = (q or "").strip()
    filters: dict[str, object] = {
        "subject": subject or None, "grade": grade or None,
        "kind": kind if kind in LessonKind.__members__ else None,
        "status": status if status in LessonStatus.__members__ else None,
        "school_id": int(school) if school and school.isdigit() else None,
        "q": keyword or None,
    }
    counts = {part: service.page(session, service.list_query(ctx, {**filters, "when": part}), 0, 0)[1]
              for part in service.WHEN}
    shown = when if when in service.WHEN else (service.UPCOMING if counts[service.UPCOMING] else service.HELD)
    rows, total = service.page(session, service.list_query(ctx, {**filters, "when": shown}), PER_PAGE,
                               (page - 1) * PER_PAGE, soonest_first=shown == service.UPCOMING)
    chosen = {"subject": subject or "", "grade": grade or "", "kind": kind or "", "status": status or "",
              "school": school or "", "q": keyword}
    tab_query = {k: v for k, v in chosen.items() if v}
    return render(request, "lessons.html", ctx.user, active="lessons", lessons=rows, total=total, page=page,
                  pages=max(1, -(-total // PER_PAGE)), chosen=chosen, when=shown, counts=counts,
                  tab_query=tab_query, **choices(session, ctx))


@router.get("/lessons/new", response_class=HTMLResponse)
def lesson_new(request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    may_choose_teacher = ctx.is_admin or ctx.user.role == UserRole.school_admin
    return render(request, "lesson_new.html", ctx.user, active="lessons", may_choose_teacher=may_choose_teacher,
                  **choices(session, ctx))


@router.get("/lessons/{lesson_id}", response_class=HTMLResponse)
def lesson_page(lesson_id: int, request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    lesson = lesson_or_error_page(request, session, ctx, lesson_id)
    if isinstance(lesson, HTMLResponse):
        return lesson
    mine = session.scalar(select(Observation).where(Observation.lesson_id == lesson.id,
                                                    Observation.observer_id == ctx.user.id))
    job = session.scalar(select(Job).where(Job.lesson_id == lesson.id).order_by(Job.id.desc()).limit(1))
    group_lessons: Any = []
    if lesson.group is not None:
        group_lessons = service.group_out(session, ctx, lesson.group)["lessons"]
    rooms = [{"label": c.label, "school": session.get(School, c.school_id),
              "teacher": session.get(User, c.teacher_id) if c.teacher_id else None} for c in lesson.classrooms]
    return render(request, "lesson.html", ctx.user, active="lessons", lesson=lesson, my_observation=mine, job=job,
                  rooms=rooms,
                  may_observe=can_observe(ctx, lesson), observe_refusal=observe_refusal(ctx, lesson),
                  may_manage=can_manage_lesson(ctx, lesson),
                  may_publish=can_publish_live(ctx, lesson), group_lessons=group_lessons)


@router.get("/groups/new", response_class=HTMLResponse)
def group_new(request: Request, session: DB, ctx: PageAccess,
              lesson: Annotated[int | None, Query(ge=1)] = None) -> HTMLResponse:
    """同课异构: pick two or more lessons on one topic; the API checks who may group which lesson."""
    first = service.get_visible(session, ctx, lesson) if lesson else None
    query = select(Lesson).where(visible_lessons_clause(ctx))
    if first is not None:
        query = query.where(Lesson.subject == first.subject)
    candidates = list(session.scalars(query.order_by(Lesson.id.desc()).limit(100)))
    return render(request, "group_new.html", ctx.user, active="lessons", first=first, candidates=candidates)
