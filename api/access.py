"""Every access rule of the product, in one place.

A lesson is visible to its school, to the other schools of its communities, to researchers
assigned to its school or zone, and to every signed-in user when public; a private lesson only
to its teacher, its school's admins and admins. Only community members and assigned researchers
may observe. Lists, pages, media and live tokens all ask this module.

Researchers (seed 003 part 8, seed 004): a researcher observes every lesson at their contact schools
(蹲点联系学校, where drop-in observation and the 蹲点 counts apply) and any lesson of their subject in their
zone(s): the zones they are assigned to and the zones of their contact schools. A zone assignment without
a subject covers every subject there (a zone centre's researcher).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from models import (
    Assignment,
    Community,
    CommunityMember,
    DiscussionThread,
    Lesson,
    LessonClassroom,
    LessonGroup,
    Observation,
    ObservationState,
    Poll,
    School,
    User,
    UserRole,
    Visibility,
)
from tingke.semesters import current_school_year, current_semester


@dataclass(frozen=True)
class AccessContext:
    """What a user's rights depend on, loaded once per request."""

    user: User
    community_school_ids: frozenset[int] = field(default_factory=frozenset)  # own school included
    research_school_ids: frozenset[int] = field(default_factory=frozenset)  # assigned schools and zones
    classroom_lesson_ids: frozenset[int] = field(default_factory=frozenset)  # dual lessons taught in
    contact_school_ids: frozenset[int] = field(default_factory=frozenset)  # a researcher's 蹲点联系学校
    # A researcher's subject scope: (schools of a zone, subject); subject None means every subject there.
    subject_scopes: tuple[tuple[frozenset[int], str | None], ...] = ()

    @property
    def is_admin(self) -> bool:
        return self.user.role == UserRole.admin

    @property
    def visible_school_ids(self) -> frozenset[int]:
        return self.community_school_ids | self.research_school_ids


def load_context(session: Session, user: User) -> AccessContext:
    community: set[int] = set()
    if user.school_id is not None:
        community.add(user.school_id)
        led = select(Community.id).where(Community.lead_school_id == user.school_id)
        member = select(CommunityMember.community_id).where(CommunityMember.school_id == user.school_id)
        ids = set(session.scalars(led)) | set(session.scalars(member))
        this_year = or_(Community.school_year.is_(None), Community.school_year == current_school_year())
        for c in session.scalars(select(Community).where(Community.id.in_(ids), this_year)):
            community |= c.school_ids
    research: set[int] = set()
    contact: set[int] = set()
    scopes: tuple[tuple[frozenset[int], str | None], ...] = ()
    if user.role == UserRole.researcher:
        rows = session.execute(
            select(Assignment.school_id, Assignment.zone_id, Assignment.subject).where(
                Assignment.researcher_id == user.id, Assignment.semester == current_semester()
            )
        ).all()
        contact = {s for s, _, _ in rows if s is not None}
        research = set(contact)
        zones = {z for _, z, _ in rows if z is not None}
        if zones:
            research |= set(session.scalars(select(School.id).where(School.zone_id.in_(zones))))
        scopes = _subject_scopes(session, user, rows)
    classrooms = set(session.scalars(select(LessonClassroom.lesson_id).where(LessonClassroom.teacher_id == user.id)))
    return AccessContext(user, frozenset(community), frozenset(research), frozenset(classrooms),
                         frozenset(contact), scopes)


def _subject_scopes(session: Session, user: User, rows: Iterable[tuple[int | None, int | None, str | None]]
                    ) -> tuple[tuple[frozenset[int], str | None], ...]:
    """(zone's schools, subject) pairs: a zone assignment with its subject (None: every subject), and the zone of
    each contact school with the assignment's subject or else the researcher's own (none: no zone scope)."""
    wanted: set[tuple[int, str | None]] = set()
    contact_subjects: dict[int, str | None] = {}
    for school_id, zone_id, subject in rows:
        if zone_id is not None:
            wanted.add((zone_id, subject))
        elif school_id is not None:
            contact_subjects[school_id] = subject or user.subject
    if contact_subjects:
        for school_id, zone_id in session.execute(
                select(School.id, School.zone_id).where(School.id.in_(contact_subjects))).all():
            if zone_id is not None and contact_subjects[school_id]:
                wanted.add((zone_id, contact_subjects[school_id]))
    if not wanted:
        return ()
    zone_schools: dict[int, set[int]] = {}
    for school_id, zone_id in session.execute(
            select(School.id, School.zone_id).where(School.zone_id.in_({z for z, _ in wanted}))).all():
        if zone_id is not None:
            zone_schools.setdefault(zone_id, set()).add(school_id)
    return tuple(sorted(((frozenset(zone_schools.get(z, set())), subject) for z, subject in wanted),
                        key=lambda scope: (sorted(scope[0]), scope[1] or "")))


def in_subject_scope(ctx: AccessContext, lesson: Lesson) -> bool:
    """A lesson of one of the researcher's subjects in one of their zones."""
    return any(lesson.school_id in schools and (subject is None or lesson.subject == subject)
               for schools, subject in ctx.subject_scopes)


def _subject_scope_clause(ctx: AccessContext) -> ColumnElement[bool]:
    parts = [and_(Lesson.school_id.in_(schools or [-1]), true() if subject is None else Lesson.subject == subject)
             for schools, subject in ctx.subject_scopes]
    return or_(*parts) if parts else false()


# ---- lessons ------------------------------------------------------------------------------------

def _is_school_admin_of(ctx: AccessContext, school_id: int) -> bool:
    return ctx.user.role == UserRole.school_admin and ctx.user.school_id == school_id


def can_view_lesson(ctx: AccessContext, lesson: Lesson) -> bool:
    if ctx.is_admin or lesson.teacher_id == ctx.user.id or lesson.id in ctx.classroom_lesson_ids:
        return True
    if lesson.visibility == Visibility.private:
        return _is_school_admin_of(ctx, lesson.school_id)
    if lesson.visibility == Visibility.public:
        return True
    return lesson.school_id in ctx.visible_school_ids or in_subject_scope(ctx, lesson)


def visible_lessons_clause(ctx: AccessContext) -> ColumnElement[bool]:
    """The SQL twin of :func:`can_view_lesson`, for lists and search."""
    if ctx.is_admin:
        return true()
    own = or_(Lesson.teacher_id == ctx.user.id, Lesson.id.in_(ctx.classroom_lesson_ids or [-1]))
    private = (
        and_(Lesson.visibility == Visibility.private, Lesson.school_id == ctx.user.school_id)
        if ctx.user.role == UserRole.school_admin
        else false()
    )
    shared = and_(Lesson.visibility == Visibility.community,
                  or_(Lesson.school_id.in_(ctx.visible_school_ids or [-1]), _subject_scope_clause(ctx)))
    return or_(own, private, Lesson.visibility == Visibility.public, shared)


def can_manage_lesson(ctx: AccessContext, lesson: Lesson) -> bool:
    """Edit, schedule, upload, go live: the teacher, the school's admins, admins."""
    return ctx.is_admin or lesson.teacher_id == ctx.user.id or _is_school_admin_of(ctx, lesson.school_id)


def can_publish_live(ctx: AccessContext, lesson: Lesson) -> bool:
    """The teacher of the lesson, or a teacher of one of a dual lesson's classrooms."""
    return can_manage_lesson(ctx, lesson) or lesson.id in ctx.classroom_lesson_ids


def observe_refusal(ctx: AccessContext, lesson: Lesson) -> str | None:
    """Why this person may not observe (score) the lesson, as a translation key's last part; None: they may."""
    if lesson.teacher_id == ctx.user.id:
        return "own_lesson"
    if not can_view_lesson(ctx, lesson):
        return "not_visible"
    if ctx.is_admin:
        return None
    if ctx.user.role == UserRole.researcher:
        if lesson.school_id in ctx.contact_school_ids or lesson.school_id in ctx.community_school_ids:
            return None
        if in_subject_scope(ctx, lesson):
            return None
        in_zone = any(lesson.school_id in schools for schools, _ in ctx.subject_scopes)
        return "researcher_other_subject" if in_zone else "researcher_outside_zone"
    return None if lesson.school_id in ctx.community_school_ids else "not_in_community"


def can_observe(ctx: AccessContext, lesson: Lesson) -> bool:
    return observe_refusal(ctx, lesson) is None


def can_drop_in(ctx: AccessContext, lesson: Lesson) -> bool:
    """推门听课: a researcher only at their contact schools (seed 004); others wherever they may observe."""
    if not can_observe(ctx, lesson):
        return False
    if ctx.user.role == UserRole.researcher:
        return lesson.school_id in ctx.contact_school_ids
    return True


# ---- observations -------------------------------------------------------------------------------

def can_read_observation(ctx: AccessContext, obs: Observation) -> bool:
    """Observers see their own; the observed teacher, the school's admins, assigned researchers and
    admins see submitted ones."""
    if obs.observer_id == ctx.user.id or ctx.is_admin:
        return True
    if obs.state == ObservationState.draft:
        return False
    lesson = obs.lesson
    return (
        lesson.teacher_id == ctx.user.id
        or _is_school_admin_of(ctx, lesson.school_id)
        or (ctx.user.role == UserRole.researcher and lesson.school_id in ctx.research_school_ids)
    )


# ---- people -------------------------------------------------------------------------------------

def can_list_users(ctx: AccessContext) -> bool:
    return ctx.is_admin or ctx.user.role in (UserRole.school_admin, UserRole.researcher)


def users_clause(ctx: AccessContext) -> ColumnElement[bool]:
    if ctx.is_admin:
        return true()
    if ctx.user.role == UserRole.researcher:
        return User.school_id.in_(ctx.visible_school_ids or [-1])
    return User.school_id == ctx.user.school_id


# ---- 同课异构 groups, live polls, discussions ---------------------------------------------------

def can_view_group(ctx: AccessContext, group: LessonGroup) -> bool:
    """A group is visible to whoever can see one of its lessons (and to its creator)."""
    return ctx.is_admin or group.created_by_id == ctx.user.id or any(can_view_lesson(ctx, le) for le in group.lessons)


def can_host_on_lesson(ctx: AccessContext, lesson: Lesson) -> bool:
    """Run a poll during a lesson: its managers, and researchers assigned to its school."""
    return can_manage_lesson(ctx, lesson) or (
        ctx.user.role == UserRole.researcher and lesson.school_id in ctx.research_school_ids
    )


def can_host_on_group(ctx: AccessContext, group: LessonGroup) -> bool:
    return (
        ctx.is_admin
        or group.created_by_id == ctx.user.id
        or any(can_host_on_lesson(ctx, le) for le in group.lessons)
    )


def can_host_training(ctx: AccessContext) -> bool:
    """A poll attached to no lesson (a training, a seminar): researchers, school admins, admins."""
    return ctx.is_admin or ctx.user.role in (UserRole.researcher, UserRole.school_admin)


def in_training_audience(ctx: AccessContext, school_ids: Iterable[int]) -> bool:
    """A training's audience is a set of schools: their staff and the researchers assigned to them."""
    audience = set(school_ids)
    return ctx.is_admin or ctx.user.school_id in audience or bool(ctx.research_school_ids & audience)


def can_view_poll(ctx: AccessContext, poll: Poll) -> bool:
    """Seeing a poll is answering it: a lesson's poll follows the lesson, a group's the group, a training's
    its audience."""
    if ctx.is_admin or poll.host_id == ctx.user.id:
        return True
    if poll.lesson is not None:
        return can_view_lesson(ctx, poll.lesson)
    if poll.group is not None:
        return can_view_group(ctx, poll.group)
    return in_training_audience(ctx, poll.audience_school_ids)


def can_run_poll(ctx: AccessContext, poll: Poll) -> bool:
    """Open, close, delete: the host and admins."""
    return ctx.is_admin or poll.host_id == ctx.user.id


def can_view_thread(ctx: AccessContext, thread: DiscussionThread) -> bool:
    """A thread is visible to whoever can see what it is about: the lesson, the group, or the note (whose
    observation must be readable: a draft's notes stay the observer's own)."""
    if thread.lesson is not None:
        return can_view_lesson(ctx, thread.lesson)
    if thread.group is not None:
        return can_view_group(ctx, thread.group)
    obs = thread.note_observation
    return obs is not None and can_view_lesson(ctx, obs.lesson) and can_read_observation(ctx, obs)


def can_moderate_discussions(ctx: AccessContext) -> bool:
    return ctx.is_admin


# ---- administration -----------------------------------------------------------------------------
# The district office (role admin) manages everything; a school admin (校管理员) manages their own school's
# teachers. ``None`` as the context is the operator at the server's command line, who may do everything.

def can_administer_district(ctx: AccessContext | None) -> bool:
    """Zones, schools, communities, researchers' assignments, rubrics, the audit log."""
    return ctx is None or ctx.is_admin


def can_manage_people_of(ctx: AccessContext | None, school_id: int | None) -> bool:
    """Create and import people at this school."""
    if can_administer_district(ctx):
        return True
    assert ctx is not None
    return school_id is not None and _is_school_admin_of(ctx, school_id)


def can_manage_person(ctx: AccessContext | None, person: User) -> bool:
    """Edit, deactivate, reset the password of this person: a school admin only their school's teachers."""
    if can_administer_district(ctx):
        return True
    assert ctx is not None
    return (person.role == UserRole.teacher and person.school_id is not None
            and _is_school_admin_of(ctx, person.school_id))


def may_grant_role(ctx: AccessContext | None, role: UserRole) -> bool:
    return can_administer_district(ctx) or role == UserRole.teacher
