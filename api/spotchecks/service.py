"""Drawing a spot-check teacher: who is eligible and why others are not, the audited record, the lesson for
the chosen day, and the notifications.

Eligible (seed 000): an active teacher of a school in scope, under ``spotcheck_max_age`` on the lesson day
(birth date known), not on leave, and not drawn within ``spotcheck_exclude_weeks`` before the lesson day.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import AccessContext, can_draw_spotchecks, drawable_school_ids, spotchecks_clause
from api.errors import APIError, forbidden, not_found
from api.spotchecks import draw
from api.spotchecks.schemas import DrawIn, DrawOut, PersonRef, VerifyOut
from models import Lesson, LessonKind, School, SpotCheckDraw, User, UserRole, Visibility
from models.notifications import Notification
from tingke.settings import get_settings
from tingke.timezone import at_local
from tingke.timezone import today as local_today

MAX_AHEAD_DAYS = 60
METHOD = "sha256(seed + ':' + sorted eligible ids joined by ',')[:8] mod n"


def _scope(session: Session, ctx: AccessContext, data: DrawIn) -> set[int]:
    allowed = drawable_school_ids(session, ctx)
    scope = set(data.school_ids) if data.school_ids else set(allowed)
    outside = sorted(scope - allowed)
    if outside:
        raise forbidden(f"You may not draw at school(s) {', '.join(map(str, outside))}.")
    if data.zone_id is not None:
        scope &= set(session.scalars(select(School.id).where(School.zone_id == data.zone_id)))
    if not scope:
        raise APIError(409, "no_schools", "No school is in the scope of this draw.")
    return scope


def eligibility(session: Session, scope: set[int], lesson_day: date, subject: str | None, on_leave: set[int],
                exclude_weeks: int, max_age: int) -> tuple[list[int], dict[str, str]]:
    """(sorted eligible teacher ids, {teacher id: reason} for the teachers in scope who are not)."""
    teachers = session.scalars(select(User).where(
        User.school_id.in_(scope or {-1}), User.role == UserRole.teacher, User.is_active.is_(True)))
    since = lesson_day - timedelta(weeks=exclude_weeks)
    recent = set(session.scalars(select(SpotCheckDraw.chosen_id).where(
        SpotCheckDraw.lesson_date >= since))) if exclude_weeks else set()
    eligible: list[int] = []
    excluded: dict[str, str] = {}
    for teacher in teachers:
        if subject and teacher.subject != subject:
            continue
        if teacher.birth_date is None:
            excluded[str(teacher.id)] = "no_birth_date"
        elif draw.age_on(teacher.birth_date, lesson_day) >= max_age:
            excluded[str(teacher.id)] = "too_old"
        elif teacher.id in on_leave:
            excluded[str(teacher.id)] = "on_leave"
        elif teacher.id in recent:
            excluded[str(teacher.id)] = "drawn_recently"
        else:
            eligible.append(teacher.id)
    return sorted(eligible), excluded


def _notify(session: Session, drawn: SpotCheckDraw, teacher: User, lesson: Lesson, actor: User) -> None:
    day = drawn.lesson_date.isoformat()
    text = f"抽测课：{teacher.display_name} 于 {day} 上一节全区常态课（{lesson.subject}）"
    recipients = {teacher.id, *session.scalars(select(User.id).where(
        User.school_id == teacher.school_id, User.role == UserRole.school_admin, User.is_active.is_(True)))}
    for uid in sorted(recipients):
        session.add(Notification(user_id=uid, kind="spot_check", text=text[:300], link=f"/lessons/{lesson.id}",
                                 actor_id=actor.id))


def run_draw(session: Session, ctx: AccessContext, data: DrawIn) -> SpotCheckDraw:
    if not can_draw_spotchecks(ctx):
        raise forbidden("Only the research office (researchers, administrators) draws spot-check lessons.")
    settings = get_settings()
    today = local_today()
    lesson_day = data.lesson_date or today + timedelta(days=1)
    if lesson_day <= today:
        raise APIError(422, "date_not_ahead", "A spot-check is drawn ahead of the lesson: pick a day after today.")
    if lesson_day > today + timedelta(days=MAX_AHEAD_DAYS):
        raise APIError(422, "date_too_far", f"Draw at most {MAX_AHEAD_DAYS} days ahead.")
    scope = _scope(session, ctx, data)
    weeks = settings.spotcheck_exclude_weeks if data.exclude_weeks is None else data.exclude_weeks
    eligible, excluded = eligibility(session, scope, lesson_day, data.subject, set(data.on_leave_user_ids), weeks,
                                     settings.spotcheck_max_age)
    if not eligible:
        raise APIError(409, "no_eligible_teacher",
                       f"No teacher in scope is eligible ({len(excluded)} excluded: under "
                       f"{settings.spotcheck_max_age}, with a birth date, not on leave, not drawn in {weeks} weeks).")
    seed = draw.new_seed()
    chosen = session.get(User, draw.pick(seed, eligible))
    assert chosen is not None and chosen.school_id is not None
    starts = at_local(lesson_day, data.start_time)  # 09:00 in the district, not 09:00 UTC
    lesson = Lesson(title=f"抽测课·{chosen.display_name}", topic="", subject=data.subject or chosen.subject or "综合",
                    grade=data.grade, teacher_id=chosen.id, school_id=chosen.school_id, kind=LessonKind.spot_check,
                    scheduled_at=starts, visibility=Visibility.community)
    session.add(lesson)
    session.flush()
    params: dict[str, object] = {
        "max_age": settings.spotcheck_max_age, "exclude_weeks": weeks, "school_ids": sorted(scope),
        "zone_id": data.zone_id, "subject": data.subject, "on_leave_user_ids": sorted(set(data.on_leave_user_ids)),
        "method": METHOD,
    }
    row = SpotCheckDraw(drawn_by_id=ctx.user.id, lesson_date=lesson_day, seed=seed, eligible_ids=eligible,
                        excluded=excluded, params=params, chosen_id=chosen.id, lesson_id=lesson.id)
    session.add(row)
    _notify(session, row, chosen, lesson, ctx.user)
    session.flush()
    return row


def verify(row: SpotCheckDraw) -> VerifyOut:
    recomputed = draw.pick(row.seed, [int(i) for i in row.eligible_ids])
    return VerifyOut(draw_id=row.id, reproduced=recomputed == row.chosen_id, recorded_chosen_id=row.chosen_id,
                     recomputed_chosen_id=recomputed, method=METHOD)


def get_visible(session: Session, ctx: AccessContext, draw_id: int) -> SpotCheckDraw:
    row = session.scalar(select(SpotCheckDraw).where(SpotCheckDraw.id == draw_id, spotchecks_clause(ctx)))
    if row is None:
        raise not_found("spot-check draw")
    return row


def _ref(user: User) -> PersonRef:
    return PersonRef(id=user.id, name=user.display_name, school_id=user.school_id)


def to_out(row: SpotCheckDraw) -> DrawOut:
    return DrawOut(id=row.id, drawn_by=_ref(row.drawn_by), drawn_at=row.drawn_at, lesson_date=row.lesson_date,
                   seed=row.seed, eligible_ids=[int(i) for i in row.eligible_ids], excluded=dict(row.excluded),
                   params=dict(row.params), chosen=_ref(row.chosen), lesson_id=row.lesson_id)
