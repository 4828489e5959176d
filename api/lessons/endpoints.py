"""Lessons: list with filters, schedule, read, edit; 同课异构 groups."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import DB, Access
from api.lessons import service
from api.lessons.deps import ManagedLesson, VisibleLesson
from api.lessons.schemas import GroupIn, GroupOut, LessonIn, LessonOut, LessonPatch
from api.pagination import Page, Paging
from api.types import PathId
from models import LessonKind, LessonStatus

router = APIRouter(prefix="/api", tags=["lessons"])


@router.get("/lessons", response_model=Page[LessonOut])
def list_lessons(
    session: DB,
    ctx: Access,
    paging: Paging,
    subject: Annotated[str | None, Query(max_length=50)] = None,
    grade: Annotated[str | None, Query(max_length=20)] = None,
    school: Annotated[int | None, Query(ge=1)] = None,
    kind: LessonKind | None = None,
    status: LessonStatus | None = None,
    teacher: Annotated[int | None, Query(ge=1)] = None,
    group: Annotated[int | None, Query(ge=1)] = None,
    when: Annotated[Literal["upcoming", "held"] | None,
                    Query(description="upcoming: live or not yet started (soonest first); held: the rest")] = None,
    q: Annotated[str | None, Query(max_length=100, description="A keyword in the title, topic, subject, grade, "
                                                                  "teacher or school")] = None,
) -> Page[LessonOut]:
    filters = {"subject": subject, "grade": grade, "school_id": school, "kind": kind, "status": status,
               "teacher_id": teacher, "group_id": group, "when": when, "q": q}
    rows, total = service.page(session, service.list_query(ctx, filters), paging.limit, paging.offset,
                               soonest_first=when == service.UPCOMING)
    return Page(items=[service.to_out(r) for r in rows], total=total, **paging.model_dump())


@router.post("/lessons", response_model=LessonOut, status_code=201)
def create_lesson(data: LessonIn, session: DB, ctx: Access) -> LessonOut:
    return service.to_out(service.create(session, ctx, data))


@router.get("/lessons/{lesson_id}", response_model=LessonOut)
def get_lesson(lesson: VisibleLesson) -> LessonOut:
    return service.to_out(lesson)


@router.patch("/lessons/{lesson_id}", response_model=LessonOut)
def patch_lesson(lesson: ManagedLesson, data: LessonPatch, session: DB, ctx: Access) -> LessonOut:
    return service.to_out(service.update(session, ctx, lesson, data))


@router.post("/lesson-groups", response_model=GroupOut, status_code=201)
def create_group(data: GroupIn, session: DB, ctx: Access) -> dict[str, object]:
    group = service.create_group(session, ctx, data)
    session.refresh(group)
    return service.group_out(session, ctx, group)


@router.get("/lesson-groups/{group_id}", response_model=GroupOut)
def get_group(group_id: PathId, session: DB, ctx: Access) -> dict[str, object]:
    return service.group_out(session, ctx, service.get_visible_group(session, ctx, group_id))
