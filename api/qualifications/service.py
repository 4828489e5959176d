"""Reformed-lesson qualification (课改合格课, seed 003 part 1).

* Who assesses whom: a teacher's lesson by their school (its admins or leaders), a middle leader's by the zone
  centre (a researcher assigned to the school's zone), a school leader's by the county (administrators).
* Every decision names the assessor's own submitted observation of a lesson the person taught.
* Dynamic management: passed qualifications are drawn at random for a re-check; a failed re-check revokes the
  pass and the person must be assessed again.
* Pass rate of a school: people with a standing pass / active teaching staff.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.access import (
    AccessContext,
    can_assess_qualification,
    can_recheck_qualifications,
    qualifications_clause,
)
from api.errors import APIError, forbidden, not_found
from api.observations.service import weighted_total
from api.qualifications.schemas import AssessIn, CheckOut, CheckResultIn, PassRateOut, QualificationOut
from api.spotchecks.draw import new_seed
from models import (
    Observation,
    ObservationState,
    Qualification,
    QualificationCheck,
    QualificationLevel,
    QualificationStatus,
    School,
    StaffPosition,
    User,
    UserRole,
)
from tingke.semesters import current_semester

STAFF_ROLES = (UserRole.teacher, UserRole.school_admin)


def level_for(person: User) -> QualificationLevel:
    if person.position == StaffPosition.school_leader:
        return QualificationLevel.county
    if person.position == StaffPosition.middle_leader:
        return QualificationLevel.zone
    return QualificationLevel.school


def _deciding_observation(session: Session, ctx: AccessContext, person: User, observation_id: int,
                          after: datetime | None = None) -> Observation:
    obs = session.get(Observation, observation_id)
    if obs is None or obs.observer_id != ctx.user.id:
        raise APIError(422, "not_your_observation", "Give the id of your own observation of the lesson.")
    if obs.lesson.teacher_id != person.id:
        raise APIError(422, "wrong_lesson", f"Observation {observation_id} is not of a lesson {person.display_name} "
                                            "taught.")
    if obs.state not in (ObservationState.submitted, ObservationState.signed_off):
        raise APIError(422, "not_submitted", "Submit the observation (all scores given) before deciding with it.")
    if after is not None and obs.submitted_at is not None and _aware(obs.submitted_at) <= _aware(after):
        raise APIError(422, "observation_too_old", "A re-check observes a new lesson, after the qualification.")
    return obs


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def assess(session: Session, ctx: AccessContext, data: AssessIn) -> Qualification:
    person = session.get(User, data.teacher_id)
    if person is None or person.school_id is None or person.role not in STAFF_ROLES:
        raise APIError(422, "not_school_staff", f"User {data.teacher_id} is not a teacher at a school.")
    level = level_for(person)
    if not can_assess_qualification(session, ctx, person, level):
        who = {"school": "their school", "zone": "the zone centre (a researcher of the zone)",
               "county": "the county office (administrators)"}[level.value]
        raise forbidden(f"This {level.value}-level qualification is assessed by {who}.")
    obs = _deciding_observation(session, ctx, person, data.observation_id)
    standing = session.scalar(select(Qualification).where(
        Qualification.teacher_id == person.id, Qualification.status == QualificationStatus.passed))
    if standing is not None:
        raise APIError(409, "already_qualified", f"{person.display_name} holds qualification {standing.id} already.")
    row = Qualification(teacher_id=person.id, school_id=person.school_id, level=level, observation_id=obs.id,
                        assessed_by_id=ctx.user.id, semester=current_semester(), notes=data.notes,
                        status=QualificationStatus.passed if data.passed else QualificationStatus.failed)
    session.add(row)
    session.flush()
    return row


def draw_rechecks(session: Session, ctx: AccessContext, school_id: int | None, count: int) -> list[QualificationCheck]:
    """Pick standing passes at random (a recorded seed) that have no open re-check."""
    if school_id is not None:
        if session.get(School, school_id) is None:
            raise APIError(422, "unknown_school", f"School {school_id} does not exist.")
        if not can_recheck_qualifications(session, ctx, school_id):
            raise forbidden("You may not re-check this school's qualifications.")
    elif not (ctx.is_admin or ctx.user.role == UserRole.researcher):
        raise forbidden("Say which school (school_id) to re-check.")
    open_checks = select(QualificationCheck.qualification_id).where(QualificationCheck.passed.is_(None))
    query = select(Qualification).where(Qualification.status == QualificationStatus.passed,
                                        Qualification.id.not_in(open_checks))
    if school_id is not None:
        query = query.where(Qualification.school_id == school_id)
    pool = [q for q in session.scalars(query.order_by(Qualification.id))
            if can_recheck_qualifications(session, ctx, q.school_id)]
    if not pool:
        raise APIError(409, "nothing_to_recheck", "No standing qualification without an open re-check is in scope.")
    seed = new_seed()
    chosen = random.Random(seed).sample(pool, min(count, len(pool)))  # seeded from the OS, recorded with the checks
    checks = [QualificationCheck(qualification_id=q.id, drawn_by_id=ctx.user.id, seed=seed) for q in chosen]
    session.add_all(checks)
    session.flush()
    return checks


def record_check(session: Session, ctx: AccessContext, check: QualificationCheck, data: CheckResultIn) -> None:
    qualification = session.get(Qualification, check.qualification_id)
    assert qualification is not None
    if check.passed is not None:
        raise APIError(409, "already_checked", "This re-check has a result already.")
    if not can_recheck_qualifications(session, ctx, qualification.school_id):
        raise forbidden("You may not re-check this school's qualifications.")
    obs = _deciding_observation(session, ctx, qualification.teacher, data.observation_id,
                                after=qualification.assessed_at)
    now = datetime.now(UTC)
    check.observation_id, check.checked_by_id, check.passed = obs.id, ctx.user.id, data.passed
    check.checked_at, check.notes = now, data.notes
    if not data.passed and qualification.status == QualificationStatus.passed:
        qualification.status = QualificationStatus.revoked
        qualification.revoked_at = now
    session.flush()


def get_check(session: Session, ctx: AccessContext, check_id: int) -> QualificationCheck:
    check = session.get(QualificationCheck, check_id)
    if check is None:
        raise not_found("re-check")
    visible = session.scalar(select(Qualification).where(
        Qualification.id == check.qualification_id, qualifications_clause(session, ctx)))
    if visible is None:
        raise not_found("re-check")
    return check


def check_out(session: Session, check: QualificationCheck) -> CheckOut:
    qualification = session.get(Qualification, check.qualification_id)
    assert qualification is not None
    return CheckOut(id=check.id, qualification_id=check.qualification_id, teacher_id=qualification.teacher_id,
                    teacher_name=qualification.teacher.display_name, drawn_by_id=check.drawn_by_id,
                    drawn_at=check.drawn_at, seed=check.seed, observation_id=check.observation_id,
                    checked_by_id=check.checked_by_id, passed=check.passed, checked_at=check.checked_at,
                    notes=check.notes)


def to_out(session: Session, row: Qualification) -> QualificationOut:
    obs = session.get(Observation, row.observation_id)
    assert obs is not None
    return QualificationOut(
        id=row.id, teacher_id=row.teacher_id, teacher_name=row.teacher.display_name, school_id=row.school_id,
        level=row.level, status=row.status, observation_id=row.observation_id, lesson_id=obs.lesson_id,
        observation_total=weighted_total(obs), assessed_by_id=row.assessed_by_id,
        assessed_by_name=row.assessed_by.display_name, semester=row.semester, notes=row.notes,
        assessed_at=row.assessed_at, revoked_at=row.revoked_at, checks=[check_out(session, c) for c in row.checks])


def pass_rates(session: Session, school_ids: set[int] | None) -> list[PassRateOut]:
    query = select(School).order_by(School.id)
    if school_ids is not None:
        query = query.where(School.id.in_(school_ids or {-1}))
    out = []
    for school in session.scalars(query):
        staff = session.scalar(select(func.count()).select_from(User).where(
            User.school_id == school.id, User.role.in_(STAFF_ROLES), User.is_active.is_(True))) or 0
        qualified = session.scalar(select(func.count(func.distinct(Qualification.teacher_id))).where(
            Qualification.school_id == school.id, Qualification.status == QualificationStatus.passed)) or 0
        out.append(PassRateOut(school_id=school.id, school_name=school.name, staff=staff, qualified=qualified,
                               rate=round(qualified / staff, 4) if staff else 0.0))
    return out
