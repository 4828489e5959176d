"""Quota progress, computed from observations, sign-offs, visits, activities and lessons — never typed in.

What counts (the seeds' wording, made exact):

* ``observations``: the person's observations submitted in the semester; a drop-in (推门听课) counts only
  once the observed teacher signed it ("以上课老师签名为准"), so an unsigned drop-in counts for nothing.
* ``drop_in_share``: signed drop-ins / counted observations ("有一半是推门听课").
* ``contact_observations``: a researcher's counted observations of lessons at their contact schools; a
  researcher's ``observations`` also say how many were there and how many elsewhere in their zones' subject.
* ``visit_days``: distinct days a researcher recorded a visit at a contact school.
* ``activities``: 集体备课 and 主题教研 the person organised or attended.
* ``seminars``: seminars the person organised ("组织召开1-2次…主题研讨活动").
* ``open_lessons`` (per subject group = school + subject): open, demonstration, observation and
  competition lessons held in the semester.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from api.access import contact_school_ids
from api.quotas.common import semester_dates, semester_window
from models import (
    Activity,
    ActivityAttendee,
    ActivityKind,
    Lesson,
    LessonKind,
    Observation,
    ObservationState,
    QuotaRule,
    School,
    User,
    UserRole,
)

AUDIENCES = ("researcher", "school_leader", "middle_leader", "group_leader", "teacher", "subject_group")
PERSON_METRICS = ("observations", "drop_in_share", "contact_observations", "visit_days", "activities", "seminars")
GROUP_METRICS = ("open_lessons",)
METRICS = PERSON_METRICS + GROUP_METRICS
OPEN_KINDS = (LessonKind.open, LessonKind.demonstration, LessonKind.observation, LessonKind.competition)
STUDY_KINDS = (ActivityKind.prep, ActivityKind.themed)


def audience_of(user: User) -> str | None:
    """Whose quota a person carries: researchers theirs, school staff by post; administrators none."""
    if user.role == UserRole.admin:
        return None
    if user.role == UserRole.researcher:
        return "researcher"
    return user.position.value


# ---- rules --------------------------------------------------------------------------------------

def rules_for(session: Session, zone_id: int | None, semester: str) -> dict[tuple[str, str], QuotaRule]:
    """(audience, metric) → the most specific rule: zone+semester, zone, semester, district default."""
    rows = session.scalars(select(QuotaRule).where(
        or_(QuotaRule.zone_id.is_(None), QuotaRule.zone_id == zone_id),
        or_(QuotaRule.semester.is_(None), QuotaRule.semester == semester),
    ))
    best: dict[tuple[str, str], tuple[int, QuotaRule]] = {}
    for rule in rows:
        rank = (2 if rule.zone_id is not None else 0) + (1 if rule.semester is not None else 0)
        key = (rule.audience, rule.metric)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, rule)
    return {key: rule for key, (_, rule) in best.items()}


# ---- progress -----------------------------------------------------------------------------------

@dataclass
class MetricProgress:
    metric: str
    done: float
    target: float
    maximum: float | None
    met: bool
    rule_id: int
    detail: dict[str, float] = field(default_factory=dict)


@dataclass
class PersonProgress:
    user_id: int
    name: str
    role: str
    position: str
    audience: str
    school_id: int | None
    school_name: str
    metrics: list[MetricProgress]

    @property
    def met(self) -> bool:
        return all(m.met for m in self.metrics)


@dataclass
class GroupProgress:
    subject: str
    metrics: list[MetricProgress]

    @property
    def met(self) -> bool:
        return all(m.met for m in self.metrics)


@dataclass
class SchoolProgress:
    school_id: int
    name: str
    people: list[PersonProgress]
    subject_groups: list[GroupProgress]

    @property
    def people_met(self) -> int:
        return sum(1 for p in self.people if p.met)


def _metric(rule: QuotaRule, done: float, **detail: float) -> MetricProgress:
    return MetricProgress(metric=rule.metric, done=done, target=rule.target, maximum=rule.maximum,
                          met=done >= rule.target, rule_id=rule.id, detail=dict(detail))


def _observation_counts(session: Session, user_ids: Sequence[int], semester: str) -> dict[int, tuple[int, int]]:
    """user → (counted observations, signed drop-ins) in the semester."""
    start, end = semester_window(semester)
    counts = session.execute(
        select(Observation.observer_id, Observation.drop_in, func.count())
        .where(Observation.observer_id.in_(user_ids or [-1]),
               Observation.submitted_at >= start, Observation.submitted_at <= end,
               or_(and_(Observation.drop_in.is_(False), Observation.state.in_(
                   (ObservationState.submitted, ObservationState.signed_off))),
                   and_(Observation.drop_in.is_(True), Observation.state == ObservationState.signed_off)))
        .group_by(Observation.observer_id, Observation.drop_in)
    ).all()
    out: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for observer_id, drop_in, n in counts:
        total, signed = out[observer_id]
        out[observer_id] = (total + n, signed + (n if drop_in else 0))
    return out


def _contact_observations(session: Session, user_id: int, schools: set[int], semester: str) -> int:
    start, end = semester_window(semester)
    return session.scalar(
        select(func.count()).select_from(Observation).join(Lesson, Observation.lesson_id == Lesson.id)
        .where(Observation.observer_id == user_id, Lesson.school_id.in_(schools or {-1}),
               Observation.submitted_at >= start, Observation.submitted_at <= end,
               or_(and_(Observation.drop_in.is_(False), Observation.state.in_(
                   (ObservationState.submitted, ObservationState.signed_off))),
                   and_(Observation.drop_in.is_(True), Observation.state == ObservationState.signed_off)))
    ) or 0


def _took_part(user_id: int) -> object:
    attended = select(ActivityAttendee.activity_id).where(ActivityAttendee.user_id == user_id)
    return or_(Activity.organizer_id == user_id, Activity.id.in_(attended))


def _activity_numbers(session: Session, user_id: int, schools: set[int], semester: str) -> dict[str, int]:
    first, last = semester_dates(semester)
    in_term = and_(Activity.held_on >= first, Activity.held_on <= last)
    visit_days = session.scalar(
        select(func.count(func.distinct(Activity.held_on))).where(
            in_term, Activity.kind == ActivityKind.visit, _took_part(user_id),  # type: ignore[arg-type]
            Activity.school_id.in_(schools or {-1}))) or 0
    studies = session.scalar(select(func.count()).select_from(Activity).where(
        in_term, Activity.kind.in_(STUDY_KINDS), _took_part(user_id))) or 0  # type: ignore[arg-type]
    seminars = session.scalar(select(func.count()).select_from(Activity).where(
        in_term, Activity.kind == ActivityKind.seminar, Activity.organizer_id == user_id)) or 0
    return {"visit_days": visit_days, "activities": studies, "seminars": seminars}


def _zone_of(session: Session, user: User, semester: str) -> int | None:
    if user.school is not None:
        return user.school.zone_id
    schools = contact_school_ids(session, user.id, semester)
    if not schools:
        return None
    return session.scalar(select(School.zone_id).where(School.id.in_(schools)).order_by(School.id).limit(1))


def people_progress(session: Session, users: Iterable[User], semester: str) -> list[PersonProgress]:
    people = [u for u in users if audience_of(u) is not None]
    observed = _observation_counts(session, [u.id for u in people], semester)
    rules_cache: dict[int | None, dict[tuple[str, str], QuotaRule]] = {}
    out = []
    for user in people:
        audience = audience_of(user)
        assert audience is not None
        zone = _zone_of(session, user, semester)
        if zone not in rules_cache:
            rules_cache[zone] = rules_for(session, zone, semester)
        rules = rules_cache[zone]
        counted, signed = observed[user.id]
        mine = {metric: rule for (aud, metric), rule in rules.items() if aud == audience}
        schools = contact_school_ids(session, user.id, semester) if audience == "researcher" else set()
        needs_activities = any(m in mine for m in ("visit_days", "activities", "seminars"))
        numbers = _activity_numbers(session, user.id, schools, semester) if needs_activities else {}
        metrics = []
        for metric in PERSON_METRICS:
            rule = mine.get(metric)
            if rule is None:
                continue
            if metric == "observations":
                if audience == "researcher":  # seed 004: 蹲点 schools and the rest of their zones, apart
                    contact = _contact_observations(session, user.id, schools, semester)
                    metrics.append(_metric(rule, counted, drop_ins=signed, contact=contact,
                                           elsewhere=counted - contact))
                else:
                    metrics.append(_metric(rule, counted, drop_ins=signed))
            elif metric == "drop_in_share":
                share = round(signed / counted, 4) if counted else 0.0
                metrics.append(_metric(rule, share, drop_ins=signed, observations=counted))
            elif metric == "contact_observations":
                metrics.append(_metric(rule, _contact_observations(session, user.id, schools, semester)))
            else:
                metrics.append(_metric(rule, numbers[metric]))
        out.append(PersonProgress(
            user_id=user.id, name=user.display_name, role=user.role.value, position=user.position.value,
            audience=audience, school_id=user.school_id, school_name=user.school.name if user.school else "",
            metrics=metrics))
    return out


def subject_groups_progress(session: Session, school: School, semester: str) -> list[GroupProgress]:
    """Every subject taught at the school is a subject group (教研组) with its open-lesson quota."""
    rule = rules_for(session, school.zone_id, semester).get(("subject_group", "open_lessons"))
    subjects = sorted({s for s in session.scalars(
        select(User.subject).where(User.school_id == school.id, User.subject.is_not(None),
                                   User.role != UserRole.admin)) if s})
    start, end = semester_window(semester)
    end = min(end, datetime.now(UTC))
    held: dict[str, int] = {subject: n for subject, n in session.execute(
        select(Lesson.subject, func.count()).where(
            Lesson.school_id == school.id, Lesson.kind.in_(OPEN_KINDS),
            Lesson.scheduled_at >= start, Lesson.scheduled_at <= end)
        .group_by(Lesson.subject))}
    subjects = sorted(set(subjects) | set(held))
    return [GroupProgress(subject=s, metrics=[_metric(rule, held.get(s, 0))] if rule else []) for s in subjects]


def school_progress(session: Session, school: School, semester: str) -> SchoolProgress:
    staff = session.scalars(select(User).where(User.school_id == school.id, User.is_active.is_(True))
                            .order_by(User.id))
    return SchoolProgress(school_id=school.id, name=school.name, people=people_progress(session, staff, semester),
                          subject_groups=subject_groups_progress(session, school, semester))
