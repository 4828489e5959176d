"""Recording activities: who may record which kind where, who sees them, attendance and materials."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import AccessContext, activities_clause, activity_refusal, can_edit_activity, contact_school_ids
from api.activities.schemas import ActivityIn, ActivityOut, ActivityPatch, MaterialOut, PersonRef
from api.errors import APIError, forbidden, not_found
from models import Activity, ActivityAttendee, ActivityKind, ActivityMaterial, School, User, Zone
from tingke.semesters import semester_of
from tingke.timezone import today as local_today

SCHOOL_KINDS = (ActivityKind.prep, ActivityKind.themed)
MAX_AHEAD = timedelta(days=366)


def get_visible(session: Session, ctx: AccessContext, activity_id: int) -> Activity:
    row = session.scalar(select(Activity).where(Activity.id == activity_id, activities_clause(session, ctx)))
    if row is None:
        raise not_found("activity")
    return row


def get_editable(session: Session, ctx: AccessContext, activity_id: int) -> Activity:
    activity = get_visible(session, ctx, activity_id)
    if not can_edit_activity(ctx, activity):
        raise forbidden("Only the organiser (or an administrator) changes this activity.")
    return activity


def _check_place(session: Session, ctx: AccessContext, data: ActivityIn) -> None:
    if data.school_id is not None and session.get(School, data.school_id) is None:
        raise APIError(422, "unknown_school", f"School {data.school_id} does not exist.")
    if data.zone_id is not None and session.get(Zone, data.zone_id) is None:
        raise APIError(422, "unknown_zone", f"Zone {data.zone_id} does not exist.")
    if data.school_id is None and data.zone_id is None:
        raise APIError(422, "place_required", "Say where it took place: a school, or a zone for zone-wide ones.")
    if abs(data.held_on - local_today()) > MAX_AHEAD:
        raise APIError(422, "date_out_of_range", "The date must be within a year of today.")
    if (refusal := activity_refusal(ctx, data.kind, data.school_id)) is not None:
        raise forbidden(refusal)
    if data.kind == ActivityKind.visit:
        if data.school_id is None:
            raise APIError(422, "school_required", "A visit is a day at a contact school: give school_id.")
        semester = semester_of(data.held_on)
        if data.school_id not in contact_school_ids(session, ctx.user.id, semester):
            raise APIError(422, "not_contact_school",
                           f"School {data.school_id} is not one of your contact schools in {semester}.")


def _people(session: Session, ids: list[int]) -> list[int]:
    wanted = sorted(set(ids))
    found = set(session.scalars(select(User.id).where(User.id.in_(wanted or [-1]), User.is_active.is_(True))))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise APIError(422, "unknown_user", f"Unknown or inactive user(s): {', '.join(map(str, missing[:10]))}.")
    return wanted


def create(session: Session, ctx: AccessContext, data: ActivityIn) -> Activity:
    _check_place(session, ctx, data)
    attendees = _people(session, data.attendee_ids)
    activity = Activity(kind=data.kind, title=data.title, held_on=data.held_on, school_id=data.school_id,
                        zone_id=data.zone_id, subject=data.subject, minutes=data.minutes, organizer_id=ctx.user.id)
    activity.attendees = [ActivityAttendee(user_id=u) for u in attendees]
    activity.materials = [ActivityMaterial(name=link.name, url=str(link.url), uploaded_by_id=ctx.user.id)
                          for link in data.links]
    session.add(activity)
    session.flush()
    return activity


def update(session: Session, activity: Activity, data: ActivityPatch) -> Activity:
    if data.title is not None:
        activity.title = data.title
    if data.minutes is not None:
        activity.minutes = data.minutes
    if data.attendee_ids is not None:
        wanted = _people(session, data.attendee_ids)
        activity.attendees = [a for a in activity.attendees if a.user_id in wanted]
        have = {a.user_id for a in activity.attendees}
        activity.attendees += [ActivityAttendee(user_id=u) for u in wanted if u not in have]
    session.flush()
    return activity


def material_out(activity: Activity, m: ActivityMaterial) -> MaterialOut:
    url = m.url if m.url else f"/api/activities/{activity.id}/materials/{m.id}"
    return MaterialOut(id=m.id, name=m.name, url=url, is_file=m.path is not None, size_bytes=m.size_bytes,
                       content_type=m.content_type, created_at=m.created_at)


def to_out(session: Session, ctx: AccessContext, activity: Activity) -> ActivityOut:
    ids = [a.user_id for a in activity.attendees]
    names = {uid: name for uid, name in session.execute(
        select(User.id, User.display_name).where(User.id.in_(ids or [-1])))}
    return ActivityOut(
        id=activity.id, kind=activity.kind, title=activity.title, held_on=activity.held_on,
        school_id=activity.school_id, school_name=activity.school.name if activity.school else "",
        zone_id=activity.zone_id, subject=activity.subject,
        organizer=PersonRef(id=activity.organizer_id, name=activity.organizer.display_name),
        attendees=[PersonRef(id=i, name=names.get(i, "")) for i in sorted(ids)], minutes=activity.minutes,
        materials=[material_out(activity, m) for m in activity.materials], can_edit=can_edit_activity(ctx, activity))
