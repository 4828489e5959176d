"""Every access rule of the product, in one place.

A lesson is visible to its school, to the other schools of its communities, to researchers
assigned to its school or zone, and to every signed-in user when public; a private lesson only
to its teacher, its school's admins and admins. Only community members and assigned researchers
may observe. Lists, pages, media and live tokens all ask this module.

Sections: lessons; observations; lesson reports; people; contact schools; 同课异构 groups, live
polls, discussions; activities; spot-checks; quotas; qualifications. Services fetch rows and
raise the errors; the yes/no (or the SQL clause) that decides is here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from models import (
    Activity,
    ActivityAttendee,
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
    Qualification,
    QualificationLevel,
    School,
    SpotCheckDraw,
    StaffPosition,
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
    research_zone_ids: frozenset[int] = field(default_factory=frozenset)  # zones assigned as a whole (片区)

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
    zones: set[int] = set()
    if user.role == UserRole.researcher:
        research, zones = _assigned(session, user.id, current_semester())
    classrooms = set(session.scalars(select(LessonClassroom.lesson_id).where(LessonClassroom.teacher_id == user.id)))
    return AccessContext(user, frozenset(community), frozenset(research), frozenset(classrooms), frozenset(zones))


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


# ---- lesson reports -----------------------------------------------------------------------------

AGGREGATE_MIN_OBSERVATIONS = 3


def can_see_aggregates(ctx: AccessContext, covered: Sequence[Observation]) -> bool:
    """Means, spreads, min/max, totals and agreement over ``covered`` (a lesson's submitted observations).

    One or two observers' mean, minimum or maximum *is* their scores, so a reader sees aggregates only
    when they cover at least ``AGGREGATE_MIN_OBSERVATIONS`` observations, or when the reader may read
    every observation they cover anyway (the lesson's teacher, its school's admins, its assigned
    researchers, admins): then an aggregate tells them nothing the rows do not. Individual rows follow
    :func:`can_read_observation`.
    """
    return len(covered) >= AGGREGATE_MIN_OBSERVATIONS or all(can_read_observation(ctx, o) for o in covered)


# ---- people -------------------------------------------------------------------------------------

def can_list_users(ctx: AccessContext) -> bool:
    return ctx.is_admin or ctx.user.role in (UserRole.school_admin, UserRole.researcher)


def users_clause(ctx: AccessContext) -> ColumnElement[bool]:
    if ctx.is_admin:
        return true()
    if ctx.user.role == UserRole.researcher:
        return User.school_id.in_(ctx.visible_school_ids or [-1])
    return User.school_id == ctx.user.school_id


# ---- contact schools (蹲点联系学校) ---------------------------------------------------------------

def _assigned(session: Session, researcher_id: int, semester: str) -> tuple[set[int], set[int]]:
    """(every school the researcher is assigned to, directly or through a zone; the zones assigned whole)."""
    rows = session.execute(select(Assignment.school_id, Assignment.zone_id).where(
        Assignment.researcher_id == researcher_id, Assignment.semester == semester)).all()
    schools = {s for s, _ in rows if s is not None}
    zones = {z for _, z in rows if z is not None}
    if zones:
        schools |= set(session.scalars(select(School.id).where(School.zone_id.in_(zones))))
    return schools, zones


def contact_school_ids(session: Session, researcher_id: int, semester: str) -> set[int]:
    """蹲点联系学校 of a researcher in a semester: assigned schools and every school of assigned zones."""
    return _assigned(session, researcher_id, semester)[0]


# ---- 同课异构 groups, live polls, discussions ---------------------------------------------------

def can_manage_group(ctx: AccessContext, group: LessonGroup) -> bool:
    """Put lessons into a group (or run its polls): its creator, admins, and the researchers assigned to the
    group's zone as a whole (the zone's 教研员)."""
    return (
        ctx.is_admin
        or (group.created_by_id is not None and group.created_by_id == ctx.user.id)
        or (ctx.user.role == UserRole.researcher and group.zone_id is not None
            and group.zone_id in ctx.research_zone_ids)
    )


def can_view_group(ctx: AccessContext, group: LessonGroup) -> bool:
    """A group's own visibility: whoever may manage it, whoever may see the lesson it was created around,
    and the managers of the lessons in it (teacher, school admins: a lesson only gets there by someone who
    may manage the group). Merely seeing a lesson that sits in the group is not enough."""
    if can_manage_group(ctx, group):
        return True
    if group.origin_lesson is not None and can_view_lesson(ctx, group.origin_lesson):
        return True
    return any(can_manage_lesson(ctx, lesson) for lesson in group.lessons)


def can_organise_events(ctx: AccessContext) -> bool:
    """同课异构 events (a group across schools, with a date and a host): researchers, school admins, admins."""
    return ctx.is_admin or ctx.user.role in (UserRole.researcher, UserRole.school_admin)


def can_host_on_lesson(ctx: AccessContext, lesson: Lesson) -> bool:
    """Run a poll during a lesson: its managers, and researchers assigned to its school."""
    return can_manage_lesson(ctx, lesson) or (
        ctx.user.role == UserRole.researcher and lesson.school_id in ctx.research_school_ids
    )


def can_host_on_group(ctx: AccessContext, group: LessonGroup) -> bool:
    """Run a poll on a group: whoever manages it, or may host on the lesson it was created around."""
    return can_manage_group(ctx, group) or (
        group.origin_lesson is not None and can_host_on_lesson(ctx, group.origin_lesson))


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


# ---- activities (visits, collective preparation, themed research, seminars) ----------------------

def _zone_ids_of(session: Session, ctx: AccessContext) -> set[int]:
    ids = ctx.visible_school_ids | ({ctx.user.school_id} if ctx.user.school_id else set())
    return {z for z in session.scalars(select(School.zone_id).where(School.id.in_(ids or {-1}))) if z is not None}


def activities_clause(session: Session, ctx: AccessContext) -> ColumnElement[bool]:
    """Activities at a school the user may see, zone-wide ones of their zones, and their own."""
    if ctx.is_admin:
        return true()
    attended = select(ActivityAttendee.activity_id).where(ActivityAttendee.user_id == ctx.user.id)
    zones = _zone_ids_of(session, ctx)
    return or_(
        Activity.organizer_id == ctx.user.id,
        Activity.id.in_(attended),
        Activity.school_id.in_(ctx.visible_school_ids or {-1}),
        (Activity.school_id.is_(None) & Activity.zone_id.in_(zones)) if zones else false(),
    )


def can_edit_activity(ctx: AccessContext, activity: Activity) -> bool:
    return ctx.is_admin or activity.organizer_id == ctx.user.id


# ---- spot-checks (抽测课) ------------------------------------------------------------------------

def can_draw_spotchecks(ctx: AccessContext) -> bool:
    """The research office draws: researchers and administrators."""
    return ctx.is_admin or ctx.user.role == UserRole.researcher


def drawable_school_ids(session: Session, ctx: AccessContext) -> set[int]:
    if ctx.is_admin:
        return set(session.scalars(select(School.id)))
    return set(ctx.research_school_ids)


def spotchecks_clause(ctx: AccessContext) -> ColumnElement[bool]:
    """Admins all; researchers theirs and those at their schools; others those at their school or of them."""
    if ctx.is_admin:
        return true()
    schools = set(ctx.research_school_ids) if ctx.user.role == UserRole.researcher else (
        {ctx.user.school_id} if ctx.user.role == UserRole.school_admin and ctx.user.school_id else set())
    at_schools = select(User.id).where(User.school_id.in_(schools or {-1}))
    return or_(SpotCheckDraw.drawn_by_id == ctx.user.id, SpotCheckDraw.chosen_id == ctx.user.id,
               SpotCheckDraw.chosen_id.in_(at_schools))


# ---- quotas (工作量) -----------------------------------------------------------------------------

def quota_school_ids(session: Session, ctx: AccessContext, semester: str) -> set[int]:
    """Admins every school; researchers their contact schools of that semester; school admins their own."""
    if ctx.is_admin:
        return set(session.scalars(select(School.id)))
    if ctx.user.role == UserRole.researcher:
        return contact_school_ids(session, ctx.user.id, semester)
    if ctx.user.role == UserRole.school_admin and ctx.user.school_id is not None:
        return {ctx.user.school_id}
    return set()


def can_see_quota_of(session: Session, ctx: AccessContext, person: User, semester: str) -> bool:
    if person.id == ctx.user.id or ctx.is_admin:
        return True
    return person.school_id is not None and person.school_id in quota_school_ids(session, ctx, semester)


def can_edit_quota_rules(ctx: AccessContext) -> bool:
    """The district office (administrators) sets the numbers."""
    return ctx.is_admin


def can_read_researcher_reports(ctx: AccessContext, researcher: User) -> bool:
    """A researcher's monthly summary and semester report (its rows are their own observations): the
    researcher and admins."""
    return researcher.role == UserRole.researcher and (ctx.is_admin or ctx.user.id == researcher.id)


# ---- qualifications (课改合格课) -----------------------------------------------------------------

QUALIFICATION_LEADERS = (StaffPosition.school_leader, StaffPosition.middle_leader)


def _zone_researcher_of(ctx: AccessContext, school: School) -> bool:
    """A researcher assigned this semester to the school's zone as a whole (the zone centre)."""
    return ctx.user.role == UserRole.researcher and school.zone_id is not None \
        and school.zone_id in ctx.research_zone_ids


def can_assess_qualification(session: Session, ctx: AccessContext, person: User, level: QualificationLevel) -> bool:
    """A teacher's lesson by their school (its admins or leaders), a middle leader's by the zone centre, a
    school leader's by the county (administrators); never one's own."""
    me = ctx.user
    if me.id == person.id or person.school_id is None:
        return False
    if ctx.is_admin:
        return True
    if level == QualificationLevel.school:
        return me.school_id == person.school_id and (
            me.role == UserRole.school_admin or me.position in QUALIFICATION_LEADERS)
    if level == QualificationLevel.zone:
        school = session.get(School, person.school_id)
        return school is not None and _zone_researcher_of(ctx, school)
    return False


def can_recheck_qualifications(session: Session, ctx: AccessContext, school_id: int) -> bool:
    """督导室、片区中心、学校: administrators, researchers of the school, the school's admins."""
    if ctx.is_admin:
        return True
    if ctx.user.role == UserRole.researcher:
        return school_id in contact_school_ids(session, ctx.user.id, current_semester())
    return ctx.user.role == UserRole.school_admin and ctx.user.school_id == school_id


def qualification_school_ids(session: Session, ctx: AccessContext) -> set[int] | None:
    """Schools whose qualifications the user sees; None means all."""
    if ctx.is_admin:
        return None
    if ctx.user.role == UserRole.researcher:
        return contact_school_ids(session, ctx.user.id, current_semester())
    if ctx.user.role == UserRole.school_admin and ctx.user.school_id is not None:
        return {ctx.user.school_id}
    return set()


def qualifications_clause(session: Session, ctx: AccessContext) -> ColumnElement[bool]:
    schools = qualification_school_ids(session, ctx)
    if schools is None:
        return true()
    return (Qualification.teacher_id == ctx.user.id) | Qualification.school_id.in_(schools or {-1})
