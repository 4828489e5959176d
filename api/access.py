"""Every access rule of the product, in one place.

A lesson is visible to its school, to the other schools of its communities, to researchers
assigned to its school or zone, and to every signed-in user when public; a private lesson only
to its teacher, its school's admins and admins. Only community members and assigned researchers
may observe. Lists, pages, media and live tokens all ask this module.

Sections: lessons; observations; lesson reports; people; contact schools; 同课异构 groups, live
polls, discussions; activities; spot-checks; quotas; qualifications. Services fetch rows and
raise the errors; the yes/no (or the SQL clause) that decides is here.

Researchers (seed 003 part 8, seed 004): a researcher observes every lesson at their contact schools
(蹲点联系学校, where drop-in observation and the 蹲点 counts apply) and any lesson of their subject in their
zone(s): the zones they are assigned to and the zones of their contact schools. A zone assignment without
a subject covers every subject there (a zone centre's researcher).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from models import (
    Activity,
    ActivityAttendee,
    ActivityKind,
    Assignment,
    Community,
    CommunityMember,
    DiscussionThread,
    Lesson,
    LessonClassroom,
    LessonGroup,
    LessonGroupEvent,
    Observation,
    ObservationState,
    Poll,
    Qualification,
    QualificationLevel,
    RoomMode,
    School,
    SpotCheckDraw,
    StaffPosition,
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
        this_year = or_(Community.school_year.is_(None), Community.school_year == current_school_year())
        for c in session.scalars(select(Community).where(Community.id.in_(ids), this_year)):
            community |= c.school_ids
    research: set[int] = set()
    contact: set[int] = set()
    zones: set[int] = set()
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
                         contact_school_ids=frozenset(contact), subject_scopes=scopes,
                         research_zone_ids=frozenset(zones))


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


def can_resume_live(ctx: AccessContext, lesson: Lesson) -> bool:
    """Whoever ends the lesson may resume it: its teacher (or who manages it), or a dual lesson's master
    classroom teacher; another classroom that reopened it would record a part without the master."""
    if not can_publish_live(ctx, lesson):
        return False
    if lesson.room_mode != RoomMode.dual or can_manage_lesson(ctx, lesson):
        return True
    master = lesson.master_classroom
    return master is not None and master.teacher_id == ctx.user.id


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


def can_correct_transcript(ctx: AccessContext, lesson: Lesson) -> bool:
    """Correct a transcript line (text, speaker): the lesson's teacher, and researchers who may observe it."""
    if lesson.teacher_id == ctx.user.id:
        return True
    return ctx.user.role == UserRole.researcher and observe_refusal(ctx, lesson) is None


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


def readable_observations_clause(ctx: AccessContext) -> ColumnElement[bool]:
    """The SQL twin of :func:`can_read_observation`, on ``Observation`` joined to its ``Lesson``: for
    search hits on notes, which must not show an observer's words to a reader who may not read them."""
    if ctx.is_admin:
        return true()
    submitted_to = or_(
        Lesson.teacher_id == ctx.user.id,
        and_(Lesson.school_id == ctx.user.school_id) if ctx.user.role == UserRole.school_admin else false(),
        Lesson.school_id.in_(ctx.research_school_ids or [-1]) if ctx.user.role == UserRole.researcher else false(),
    )
    return or_(Observation.observer_id == ctx.user.id,
               and_(Observation.state != ObservationState.draft, submitted_to))


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


def can_view_event(session: Session, ctx: AccessContext, event: LessonGroupEvent) -> bool:
    """A 同课异构 event is seen as its group is."""
    group = session.get(LessonGroup, event.group_id)
    return group is not None and can_view_group(ctx, group)


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


def activity_refusal(ctx: AccessContext, kind: ActivityKind, school_id: int | None) -> str | None:
    """Why this person may not record an activity of ``kind`` at ``school_id`` (None: they may). Visits
    (蹲点) are researchers'; researchers record at the schools they may see, administrators anywhere;
    school staff record their own school's activities, and seminars only its school admins. (Whether a
    visit's school is one of the researcher's contact schools that semester is checked with the date.)"""
    me = ctx.user
    if kind == ActivityKind.visit:
        return None if me.role == UserRole.researcher else \
            "Only researchers record visits to their contact schools (蹲点)."
    if ctx.is_admin:
        return None
    if me.role == UserRole.researcher:
        if school_id is not None and school_id not in ctx.visible_school_ids:
            return "You may record activities only at schools of your communities or contact schools."
        return None
    if kind == ActivityKind.seminar and me.role != UserRole.school_admin:
        return "Seminars are organised by researchers, school admins or administrators."
    if school_id is None or school_id != me.school_id:
        return "Record activities of your own school (give your school_id)."
    return None


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


def can_set_position(ctx: AccessContext, person: User) -> bool:
    """A person's post (school leader, middle leader …): administrators, or the admins of their school."""
    return ctx.is_admin or (ctx.user.role == UserRole.school_admin and person.school_id is not None
                            and person.school_id == ctx.user.school_id)


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
