"""Creating a 同课异构 event around a lesson group, and each lesson's aggregated observer scores (as the
lesson's report shows them to the reader)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.access import AccessContext, can_organise_events, can_view_event, can_view_lesson
from api.errors import APIError, forbidden, not_found
from api.lesson_events.schemas import EventIn, EventOut, LessonScore
from api.lessons.service import get_visible, new_group
from api.reports.lesson import collect
from models import Lesson, LessonGroup, LessonGroupEvent, School


def create(session: Session, ctx: AccessContext, data: EventIn) -> LessonGroupEvent:
    if not can_organise_events(ctx):
        raise forbidden("Researchers, school admins and administrators organise 同课异构 events.")
    if len(set(data.lesson_ids)) != len(data.lesson_ids):
        raise APIError(422, "duplicate_lesson", "A lesson is listed twice.")
    lessons = [get_visible(session, ctx, lesson_id) for lesson_id in data.lesson_ids]
    schools = [lesson.school_id for lesson in lessons]
    if len(set(schools)) != len(schools):
        raise APIError(422, "same_school", "同课异构 pairs teachers of different schools: one lesson per school.")
    if len({lesson.teacher_id for lesson in lessons}) != len(lessons):
        raise APIError(422, "same_teacher", "Each lesson must be taught by a different teacher.")
    taken = [lesson.id for lesson in lessons if lesson.group_id is not None]
    if taken:
        raise APIError(409, "already_grouped", f"Lesson(s) {', '.join(map(str, taken))} already belong to a group.")
    host = session.get(School, data.host_school_id) if data.host_school_id is not None else None
    if data.host_school_id is not None and host is None:
        raise APIError(422, "unknown_school", f"School {data.host_school_id} does not exist.")
    group = new_group(session, ctx, data.topic, data.subject, data.grade, lessons,
                      zone_id=host.zone_id if host is not None else None)
    event = LessonGroupEvent(group_id=group.id, held_on=data.held_on, host_school_id=data.host_school_id,
                             description=data.description, created_by_id=ctx.user.id)
    session.add(event)
    session.flush()
    return event


def get_visible_event(session: Session, ctx: AccessContext, group_id: int) -> LessonGroupEvent:
    event = session.get(LessonGroupEvent, group_id)
    if event is None or not can_view_event(session, ctx, event):
        raise not_found("同课异构 event")
    return event


def lesson_scores(session: Session, ctx: AccessContext, lesson: Lesson) -> LessonScore:
    """A lesson's mean scores as its report shows them to this reader (none when too few observed it)."""
    report = collect(session, ctx, lesson)
    agg = report.aggregates
    return LessonScore(lesson_id=lesson.id, title=lesson.title, teacher_id=lesson.teacher_id,
                       teacher_name=lesson.teacher.display_name, school_id=lesson.school_id,
                       school_name=lesson.school.name, observations=report.covered,
                       mean_total=round(agg.total_mean, 2) if agg and agg.total_mean is not None else None,
                       dimension_means={s.dimension.code: round(s.mean, 2) for s in agg.dimensions
                                        if s.mean is not None} if agg else {})


def to_out(session: Session, ctx: AccessContext, event: LessonGroupEvent) -> EventOut:
    group = session.get(LessonGroup, event.group_id)
    assert group is not None
    lessons = sorted((x for x in group.lessons if can_view_lesson(ctx, x)), key=lambda x: x.id)
    return EventOut(group_id=group.id, topic=group.topic, subject=group.subject, grade=group.grade,
                    held_on=event.held_on, host_school_id=event.host_school_id, description=event.description,
                    lessons=[lesson_scores(session, ctx, x) for x in lessons], compare_url=f"/groups/{group.id}")
