"""Telling those allowed to observe a lesson that it went live.

The relay sets a lesson ``live`` in the database when its first publisher connects (the media plane
does not import the API, where the access rules live). The API announces it: every request for the
notification badge or list first claims the live lessons not announced yet (``live_announced_at``,
set by an UPDATE that only one request can win, on SQLite and PostgreSQL) and writes one
``lesson_live`` notification to each user who may observe it (``api.access.can_observe``, the one
rule), in the same transaction. The badge polls once a minute, so observers hear within about a
minute or two of the start. A lesson that goes live again (resumed) is not announced twice.
"""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from api.access import can_observe, load_context
from models import Assignment, Community, CommunityMember, Lesson, LessonStatus, User, UserRole
from tingke.notices import notify_kind
from tingke.timezone import now


def _community_schools(session: Session, school_id: int) -> set[int]:
    """The lesson's school and every school sharing a community with it."""
    ids = set(session.scalars(select(Community.id).where(Community.lead_school_id == school_id)))
    ids |= set(session.scalars(select(CommunityMember.community_id).where(CommunityMember.school_id == school_id)))
    schools = {school_id}
    for community in session.scalars(select(Community).where(Community.id.in_(ids or {-1}))):
        schools |= community.school_ids
    return schools


def observers_of(session: Session, lesson: Lesson) -> list[User]:
    """Active users who may observe ``lesson`` (admins aside: they may observe everything and are not
    told of every lesson), without its teacher and its classrooms' teachers (they are teaching it)."""
    teaching = {lesson.teacher_id} | {c.teacher_id for c in lesson.classrooms if c.teacher_id}
    researchers = select(Assignment.researcher_id)
    candidates = session.scalars(select(User).where(
        User.is_active.is_(True), User.role != UserRole.admin, User.id.not_in(teaching),
        or_(User.school_id.in_(_community_schools(session, lesson.school_id)), User.id.in_(researchers)),
    ).order_by(User.id))
    return [user for user in candidates if can_observe(load_context(session, user), lesson)]


def announce_live_lessons(session: Session) -> int:
    """Announce every live lesson not announced yet; returns how many notifications were written."""
    written = 0
    pending = session.scalars(select(Lesson.id).where(Lesson.status == LessonStatus.live,
                                                      Lesson.live_announced_at.is_(None))).all()
    for lesson_id in pending:
        claimed = session.execute(
            update(Lesson).where(Lesson.id == lesson_id, Lesson.live_announced_at.is_(None))
            .values(live_announced_at=now()).execution_options(synchronize_session=False))
        if not getattr(claimed, "rowcount", 0):
            continue  # another request announced it meanwhile
        lesson = session.get(Lesson, lesson_id)
        assert lesson is not None
        for user in observers_of(session, lesson):
            notify_kind(session, user.id, "lesson_live", f"/lessons/{lesson.id}/live/observe",
                        actor_id=lesson.teacher_id, title=lesson.title, teacher=lesson.teacher.display_name)
            written += 1
    if written:
        session.flush()
    return written
