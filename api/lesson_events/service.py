"""Creating a 同课异构 event around a lesson group, and each lesson's aggregated observer scores."""

from __future__ import annotations

from collections import defaultdict
from statistics import fmean

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import AccessContext, can_view_lesson
from api.errors import APIError, forbidden, not_found
from api.lesson_events.schemas import EventIn, EventOut, LessonScore
from api.lessons.service import get_visible
from api.observations.service import weighted_total
from models import Lesson, LessonGroup, LessonGroupEvent, Observation, ObservationState, School, UserRole

COUNTED = (ObservationState.submitted, ObservationState.signed_off)


def can_organise(ctx: AccessContext) -> bool:
    return ctx.is_admin or ctx.user.role in (UserRole.researcher, UserRole.school_admin)


def create(session: Session, ctx: AccessContext, data: EventIn) -> LessonGroupEvent:
    if not can_organise(ctx):
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
    if data.host_school_id is not None and session.get(School, data.host_school_id) is None:
        raise APIError(422, "unknown_school", f"School {data.host_school_id} does not exist.")
    group = LessonGroup(topic=data.topic, subject=data.subject, grade=data.grade, created_by_id=ctx.user.id)
    session.add(group)
    session.flush()
    for lesson in lessons:
        lesson.group_id = group.id
    event = LessonGroupEvent(group_id=group.id, held_on=data.held_on, host_school_id=data.host_school_id,
                             description=data.description, created_by_id=ctx.user.id)
    session.add(event)
    session.flush()
    return event


def get_visible_event(session: Session, ctx: AccessContext, group_id: int) -> LessonGroupEvent:
    event = session.get(LessonGroupEvent, group_id)
    group = session.get(LessonGroup, group_id)
    if event is None or group is None or not any(can_view_lesson(ctx, x) for x in group.lessons):
        raise not_found("同课异构 event")
    return event


def lesson_scores(session: Session, lesson: Lesson) -> LessonScore:
    observations = list(session.scalars(select(Observation).where(
        Observation.lesson_id == lesson.id, Observation.state.in_(COUNTED))))
    totals = [t for t in (weighted_total(o) for o in observations) if t is not None]
    by_dim: dict[str, list[float]] = defaultdict(list)
    for obs in observations:
        codes = {d.id: d.code for d in obs.rubric.dimensions}
        for score in obs.scores:
            if score.dimension_id in codes:
                by_dim[codes[score.dimension_id]].append(score.score)
    return LessonScore(lesson_id=lesson.id, title=lesson.title, teacher_id=lesson.teacher_id,
                       teacher_name=lesson.teacher.display_name, school_id=lesson.school_id,
                       school_name=lesson.school.name, observations=len(observations),
                       mean_total=round(fmean(totals), 2) if totals else None,
                       dimension_means={k: round(fmean(v), 2) for k, v in sorted(by_dim.items())})


def to_out(session: Session, ctx: AccessContext, event: LessonGroupEvent) -> EventOut:
    group = session.get(LessonGroup, event.group_id)
    assert group is not None
    lessons = sorted((x for x in group.lessons if can_view_lesson(ctx, x)), key=lambda x: x.id)
    return EventOut(group_id=group.id, topic=group.topic, subject=group.subject, grade=group.grade,
                    held_on=event.held_on, host_school_id=event.host_school_id, description=event.description,
                    lessons=[lesson_scores(session, x) for x in lessons], compare_url=f"/groups/{group.id}")
