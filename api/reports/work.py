"""What a researcher did in a period, gathered once for the Word reports (seed 004: 每月一小结,
每学期一篇蹲点调研工作报告)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from statistics import fmean

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.access import AccessContext, can_read_observation, contact_school_ids
from api.observations.service import weighted_total
from models import Activity, ActivityAttendee, ActivityKind, Observation, ObservationState, School, User
from models.default_rubric import ensure_default_rubric
from tingke.timezone import day_window, local_date

COUNTED = (ObservationState.submitted, ObservationState.signed_off)


@dataclass
class ObservationLine:
    day: date
    lesson_title: str
    teacher: str
    school: str
    kind: str
    drop_in: bool
    signed: bool
    total: float | None
    summary: str


@dataclass
class ResearcherPeriod:
    researcher: User
    first: date
    last: date
    semester: str
    contact_schools: list[str]
    visits: list[Activity]
    activities: list[Activity]
    observations: list[ObservationLine]
    dimension_means: list[tuple[str, float]]  # (dimension name, mean score)
    tag_counts: list[tuple[str, int]]  # (dimension name, notes tagged with it)
    tag_examples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def mean_total(self) -> float | None:
        totals = [o.total for o in self.observations if o.total is not None]
        return round(fmean(totals), 1) if totals else None


def collect(session: Session, ctx: AccessContext, researcher: User, first: date, last: date,
            semester: str) -> ResearcherPeriod:
    """The researcher's period as ``ctx``'s user may read it: their observations pass the same
    :func:`api.access.can_read_observation` as a lesson report's rows (the researcher and admins read all)."""
    start, end = day_window(first, last)
    schools = contact_school_ids(session, researcher.id, semester)
    names = {sid: name for sid, name in session.execute(
        select(School.id, School.name).where(School.id.in_(schools or {-1})))}
    attended = select(ActivityAttendee.activity_id).where(ActivityAttendee.user_id == researcher.id)
    took_part = or_(Activity.organizer_id == researcher.id, Activity.id.in_(attended))
    rows = list(session.scalars(select(Activity).where(took_part, Activity.held_on >= first, Activity.held_on <= last)
                                .order_by(Activity.held_on, Activity.id)))
    visits = [a for a in rows if a.kind == ActivityKind.visit]
    others = [a for a in rows if a.kind != ActivityKind.visit]
    observations = list(session.scalars(select(Observation).where(
        Observation.observer_id == researcher.id, Observation.state.in_(COUNTED),
        Observation.submitted_at >= start, Observation.submitted_at <= end).order_by(Observation.submitted_at)))
    observations = [o for o in observations if can_read_observation(ctx, o)]
    rubric = ensure_default_rubric(session)
    dim_names = {d.code: d.name_zh for d in rubric.dimensions}
    lines: list[ObservationLine] = []
    by_dim: dict[str, list[float]] = {}
    tags = Counter[str]()
    examples: dict[str, list[str]] = {}
    for obs in observations:
        lesson = obs.lesson
        when = obs.submitted_at or obs.created_at
        lines.append(ObservationLine(
            day=local_date(when), lesson_title=lesson.title, teacher=lesson.teacher.display_name,
            school=lesson.school.name, kind=lesson.kind.value, drop_in=obs.drop_in,
            signed=obs.state == ObservationState.signed_off, total=weighted_total(obs), summary=obs.summary))
        codes = {d.id: d.name_zh for d in obs.rubric.dimensions}
        for score in obs.scores:
            if score.dimension_id in codes:
                by_dim.setdefault(codes[score.dimension_id], []).append(score.score)
        for note in obs.notes:
            for tag in note.tags[:1]:  # the main tag
                name = dim_names.get(tag, tag)
                tags[name] += 1
                if len(examples.setdefault(name, [])) < 3:
                    examples[name].append(note.text)
    return ResearcherPeriod(
        researcher=researcher, first=first, last=last, semester=semester,
        contact_schools=[names[s] for s in sorted(names)], visits=visits, activities=others, observations=lines,
        dimension_means=[(k, round(fmean(v), 2)) for k, v in by_dim.items()],
        tag_counts=tags.most_common(), tag_examples=examples)
