"""Every access rule of the product, in one place.

A lesson is visible to its school, to the other schools of its communities, to researchers
assigned to its school or zone, and to every signed-in user when public; a private lesson only
to its teacher, its school's admins and admins. Only community members and assigned researchers
may observe. Lists, pages, media and live tokens all ask this module.
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
from tingke.semesters import current_semester


@dataclass(frozen=True)
class AccessContext:
    """What a user's rights depend on, loaded once per request."""

    user: User
    community_school_ids: frozenset[int] = field(default_factory=frozenset)  # own school included
    research_school_ids: frozenset[int] = field(default_factory=frozenset)  # assigned schools and zones
    classroom_lesson_ids: frozenset[int] = field(default_factory=frozenset)  # dual lessons taught in

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
        for c in session.scalars(select(Community).where(Community.id.in_(ids))):
            community |= c.school_ids
    research: set[int] = set()
    if user.role == UserRole.researcher:
        rows = session.execute(
            select(Assignment.school_id, Assignment.zone_id).where(
                Assignment.researcher_id == user.id, Assignment.semester == current_semester()
            )
        ).all()
        research = {s for s, _ in rows if s is not None}
        zones = {z for _, z in rows if z is not None}
        if zones:
            research |= set(session.scalars(select(School.id).where(School.zone_id.in_(zones))))
    classrooms = set(session.scalars(select(LessonClassroom.lesson_id).where(LessonClassroom.teacher_id == user.id)))
    return AccessContext(user, frozenset(community), frozenset(research), frozenset(classrooms))


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
    return lesson.school_id in ctx.visible_school_ids


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
    shared = and_(Lesson.visibility == Visibility.community, Lesson.school_id.in_(ctx.visible_school_ids or [-1]))
    return or_(own, private, Lesson.visibility == Visibility.public, shared)


def can_manage_lesson(ctx: AccessContext, lesson: Lesson) -> bool:
    """Edit, schedule, upload, go live: the teacher, the school's admins, admins."""
    return ctx.is_admin or lesson.teacher_id == ctx.user.id or _is_school_admin_of(ctx, lesson.school_id)


def can_publish_live(ctx: AccessContext, lesson: Lesson) -> bool:
    """The teacher of the lesson, or a teacher of one of a dual lesson's classrooms."""
    return can_manage_lesson(ctx, lesson) or lesson.id in ctx.classroom_lesson_ids


def can_observe(ctx: AccessContext, lesson: Lesson) -> bool:
    if not can_view_lesson(ctx, lesson) or lesson.teacher_id == ctx.user.id:
        return False
    return ctx.is_admin or lesson.school_id in ctx.visible_school_ids


OBSERVE_REFUSALS = ("not_visible", "own_lesson", "researcher_not_assigned", "outside_community")


def observe_refusal(ctx: AccessContext, lesson: Lesson) -> str | None:
    """Why ``ctx`` may not observe ``lesson``, as a code of OBSERVE_REFUSALS (None: they may). Pages say
    it (``observe.refused.<code>``) instead of only refusing: a researcher who may watch a public lesson
    is told that they are not the assigned (蹲点) researcher of its school this semester. Agrees with
    :func:`can_observe` (tests/api/test_observe_refusal.py checks every user and lesson of a world)."""
    if not can_view_lesson(ctx, lesson):
        return "not_visible"
    if lesson.teacher_id == ctx.user.id:
        return "own_lesson"
    if ctx.is_admin or lesson.school_id in ctx.visible_school_ids:
        return None
    return "researcher_not_assigned" if ctx.user.role == UserRole.researcher else "outside_community"


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
