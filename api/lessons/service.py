"""Scheduling and editing lessons; grouping them for 同课异构."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from api.access import (
    AccessContext,
    can_manage_group,
    can_manage_lesson,
    can_view_group,
    can_view_lesson,
    visible_lessons_clause,
)
from api.errors import APIError, forbidden, not_found
from api.lessons.schemas import ClassroomOut, GroupIn, LessonIn, LessonOut, LessonPatch
from models import Lesson, LessonClassroom, LessonGroup, LessonStatus, RoomMode, School, User, UserRole
from models.search_index import index_lesson
from tingke.timezone import now


def get_visible(session: Session, ctx: AccessContext, lesson_id: int) -> Lesson:
    lesson = session.get(Lesson, lesson_id)
    if lesson is None or not can_view_lesson(ctx, lesson):
        raise not_found("lesson")
    return lesson


def get_managed(session: Session, ctx: AccessContext, lesson_id: int) -> Lesson:
    lesson = get_visible(session, ctx, lesson_id)
    if not can_manage_lesson(ctx, lesson):
        raise forbidden("Only the lesson's teacher or the school's admins may change this lesson.")
    return lesson


def to_out(lesson: Lesson) -> LessonOut:
    return LessonOut(
        id=lesson.id, title=lesson.title, topic=lesson.topic, subject=lesson.subject, grade=lesson.grade,
        teacher_id=lesson.teacher_id, teacher_name=lesson.teacher.display_name, school_id=lesson.school_id,
        school_name=lesson.school.name, kind=lesson.kind, scheduled_at=lesson.scheduled_at,
        duration_minutes=lesson.duration_minutes, status=lesson.status, visibility=lesson.visibility,
        room_mode=lesson.room_mode, group_id=lesson.group_id, failure_reason=lesson.failure_reason,
        classrooms=[ClassroomOut.model_validate(c) for c in lesson.classrooms],
    )


def _teacher_for(session: Session, ctx: AccessContext, teacher_id: int | None) -> User:
    me = ctx.user
    if teacher_id is None or teacher_id == me.id:
        if me.school_id is None:
            raise APIError(422, "teacher_required", "Say which teacher teaches this lesson (teacher_id).")
        return me
    teacher = session.get(User, teacher_id)
    if teacher is None or teacher.school_id is None:
        raise APIError(422, "unknown_teacher", f"User {teacher_id} is not a teacher at a school.")
    if not (ctx.is_admin or (me.role == UserRole.school_admin and me.school_id == teacher.school_id)):
        raise forbidden("You may only schedule your own lessons.")
    return teacher


def _check_group(session: Session, ctx: AccessContext, group_id: int | None) -> None:
    """Putting a lesson into a group needs the right to manage the group (api.access.can_manage_group):
    being able to manage the lesson is not enough, or anyone could join a private group and read it."""
    if group_id is None:
        return
    group = session.get(LessonGroup, group_id)
    if group is None or not can_view_group(ctx, group):
        raise APIError(422, "unknown_group", f"Lesson group {group_id} does not exist.")
    if not can_manage_group(ctx, group):
        raise forbidden("Only the group's creator, an administrator or a researcher of its zone may put "
                        "lessons into this group.")


def _classrooms(session: Session, lesson: LessonIn) -> list[LessonClassroom]:
    if lesson.room_mode != RoomMode.dual:
        if lesson.classrooms:
            raise APIError(422, "classrooms_need_dual", "Only dual-teacher lessons (room_mode=dual) have classrooms.")
        return []
    rooms = lesson.classrooms
    if not 2 <= len(rooms) <= 4:
        raise APIError(422, "dual_classrooms", "A dual-teacher lesson has a master classroom and 1 to 3 remote ones.")
    out = []
    for i, room in enumerate(rooms):
        if session.get(School, room.school_id) is None:
            raise APIError(422, "unknown_school", f"School {room.school_id} does not exist.")
        teacher = session.get(User, room.teacher_id) if room.teacher_id is not None else None
        if room.teacher_id is not None and teacher is None:
            raise APIError(422, "unknown_teacher", f"User {room.teacher_id} does not exist.")
        if teacher is not None and teacher.school_id != room.school_id:
            raise APIError(422, "classroom_teacher_school",
                           f"Classroom {i + 1}: {teacher.display_name} does not teach at the chosen school. "
                           f"第 {i + 1} 个教室：所选教师不在该学校任教。", classroom=i + 1)
        out.append(LessonClassroom(school_id=room.school_id, teacher_id=room.teacher_id,
                                   label=room.label or ("主讲端" if i == 0 else f"辅助端{i}"), position=i))
    return out


def create(session: Session, ctx: AccessContext, data: LessonIn) -> Lesson:
    teacher = _teacher_for(session, ctx, data.teacher_id)
    _check_group(session, ctx, data.group_id)
    lesson = Lesson(
        **data.model_dump(exclude={"teacher_id", "classrooms"}),
        teacher_id=teacher.id, school_id=teacher.school_id,
    )
    lesson.classrooms = _classrooms(session, data)
    session.add(lesson)
    session.flush()
    index_lesson(session, lesson.id)
    return lesson


def update(session: Session, ctx: AccessContext, lesson: Lesson, data: LessonPatch) -> Lesson:
    """Change a lesson its manager may change; moving it into another group also needs that group's."""
    changes = data.model_dump(exclude_unset=True)
    for key in ("title", "subject", "grade", "kind", "duration_minutes", "visibility"):
        if key in changes and changes[key] is None:
            raise APIError(422, "invalid_input", f"'{key}' cannot be empty.")
    if changes.get("group_id") != lesson.group_id:
        _check_group(session, ctx, changes.get("group_id"))
    for key, value in changes.items():
        setattr(lesson, key, value)
    session.flush()
    index_lesson(session, lesson.id)
    return lesson


UPCOMING, HELD = "upcoming", "held"
WHEN = (UPCOMING, HELD)


def upcoming_clause(moment: datetime) -> ColumnElement[bool]:
    """Lessons still to come at ``moment``: live now, or scheduled and not yet started (or not yet timed).
    Every other lesson has been held (its time passed, or it was recorded, processed or failed)."""
    not_started = and_(Lesson.status == LessonStatus.scheduled,
                       or_(Lesson.scheduled_at.is_(None), Lesson.scheduled_at >= moment))
    return or_(Lesson.status == LessonStatus.live, not_started)


def keyword_clause(keyword: str) -> ColumnElement[bool]:
    """Lessons whose title, topic, subject, grade, teacher or school holds ``keyword`` (letters in any case;
    % and _ are literal)."""
    needle = keyword.strip().lower()
    teacher = select(User.id).where(func.lower(User.display_name).contains(needle, autoescape=True))
    school = select(School.id).where(func.lower(School.name).contains(needle, autoescape=True))
    return or_(*(func.lower(column).contains(needle, autoescape=True)
                 for column in (Lesson.title, Lesson.topic, Lesson.subject, Lesson.grade)),
               Lesson.teacher_id.in_(teacher), Lesson.school_id.in_(school))


def list_query(ctx: AccessContext, filters: Mapping[str, object]) -> Select[tuple[Lesson]]:
    """Visible lessons matching ``filters``: column values, plus ``when`` (UPCOMING or HELD, by the clock
    now) and ``q`` (a keyword, see :func:`keyword_clause`)."""
    query: Select[tuple[Lesson]] = select(Lesson).where(visible_lessons_clause(ctx))  # type: ignore[assignment]
    columns = {"subject": Lesson.subject, "grade": Lesson.grade, "school_id": Lesson.school_id,
               "kind": Lesson.kind, "status": Lesson.status, "teacher_id": Lesson.teacher_id,
               "group_id": Lesson.group_id}
    for key, value in filters.items():
        if value is None or value == "":
            continue
        if key == "when":
            upcoming = upcoming_clause(now())
            query = query.where(upcoming if value == UPCOMING else ~upcoming)
        elif key == "q":
            query = query.where(keyword_clause(str(value)))
        else:
            query = query.where(columns[key] == value)
    return query


def page(session: Session, query: Select[tuple[Lesson]], limit: int, offset: int,
         soonest_first: bool = False) -> tuple[Sequence[Lesson], int]:
    """One page of ``query``: newest first (what was held), or ``soonest_first`` (what is to come: live
    lessons, then by start time, untimed ones last)."""
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if soonest_first:
        live_first = case((Lesson.status == LessonStatus.live, 0), else_=1)
        order: tuple[Any, ...] = (live_first, Lesson.scheduled_at.asc().nulls_last(), Lesson.id.asc())
    else:
        order = (Lesson.scheduled_at.desc().nulls_last(), Lesson.id.desc())
    rows: Sequence[Lesson] = session.scalars(query.order_by(*order).limit(limit).offset(offset)).all()  # type: ignore[assignment]
    return rows, total


def new_group(session: Session, ctx: AccessContext, topic: str, subject: str, grade: str, lessons: Sequence[Lesson],
              zone_id: int | None = None) -> LessonGroup:
    """A group created by ``ctx``'s user around ``lessons`` (the first is the one it is created around);
    its zone is ``zone_id``, else that lesson's school's, else the creator's school's."""
    origin = lessons[0] if lessons else None
    if zone_id is None:
        school = origin.school if origin is not None else ctx.user.school
        zone_id = school.zone_id if school is not None else None
    group = LessonGroup(topic=topic, subject=subject, grade=grade, created_by_id=ctx.user.id,
                        origin_lesson_id=origin.id if origin else None, zone_id=zone_id)
    session.add(group)
    session.flush()
    for lesson in lessons:
        lesson.group_id = group.id
    session.flush()
    return group


def create_group(session: Session, ctx: AccessContext, data: GroupIn) -> LessonGroup:
    lessons = []
    for lesson_id in data.lesson_ids:
        lesson = get_visible(session, ctx, lesson_id)
        if not (can_manage_lesson(ctx, lesson) or ctx.user.role == UserRole.researcher):
            raise forbidden(f"You may not put lesson {lesson_id} into a group.")
        lessons.append(lesson)
    return new_group(session, ctx, data.topic, data.subject, data.grade, lessons)


def get_visible_group(session: Session, ctx: AccessContext, group_id: int) -> LessonGroup:
    group = session.get(LessonGroup, group_id)
    if group is None or not can_view_group(ctx, group):
        raise not_found("lesson group")
    return group


def group_out(session: Session, ctx: AccessContext, group: LessonGroup) -> dict[str, object]:
    lessons = [to_out(lesson) for lesson in group.lessons if can_view_lesson(ctx, lesson)]
    return {"id": group.id, "topic": group.topic, "subject": group.subject, "grade": group.grade,
            "lessons": lessons}
