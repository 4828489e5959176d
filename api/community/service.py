"""Creating schools, communities, people and assignments (admin work)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth.passwords import hash_password
from api.community.schemas import AssignmentIn, CommunityIn, UserIn
from api.errors import APIError
from models import Assignment, Community, CommunityMember, School, User, UserRole, Zone


def _require_school(session: Session, school_id: int | None) -> None:
    if school_id is not None and session.get(School, school_id) is None:
        raise APIError(422, "unknown_school", f"School {school_id} does not exist.")


def require_zone(session: Session, zone_id: int | None) -> None:
    if zone_id is not None and session.get(Zone, zone_id) is None:
        raise APIError(422, "unknown_zone", f"Zone {zone_id} does not exist.")


def create_user(session: Session, data: UserIn) -> User:
    if session.scalar(select(func.count()).where(User.username == data.username)):
        raise APIError(409, "username_taken", f"The user name '{data.username}' is taken.")
    if data.role in (UserRole.teacher, UserRole.school_admin) and data.school_id is None:
        raise APIError(422, "school_required", "Teachers and school admins belong to a school.")
    _require_school(session, data.school_id)
    user = User(
        username=data.username, display_name=data.display_name, password_hash=hash_password(data.password),
        role=data.role, school_id=data.school_id, subject=data.subject, birth_date=data.birth_date,
    )
    session.add(user)
    session.flush()
    return user


def create_community(session: Session, data: CommunityIn) -> Community:
    for sid in (data.lead_school_id, *data.member_school_ids):
        _require_school(session, sid)
    require_zone(session, data.zone_id)
    members = sorted(set(data.member_school_ids) - {data.lead_school_id})
    community = Community(name=data.name, zone_id=data.zone_id, lead_school_id=data.lead_school_id,
                          members=[CommunityMember(school_id=s) for s in members])
    session.add(community)
    session.flush()
    return community


def create_assignment(session: Session, data: AssignmentIn) -> Assignment:
    researcher = session.get(User, data.researcher_id)
    if researcher is None or researcher.role != UserRole.researcher:
        raise APIError(422, "not_a_researcher", "Only researchers are assigned to contact schools.")
    if (data.school_id is None) == (data.zone_id is None):
        raise APIError(422, "school_or_zone", "Give either a contact school or a zone.")
    _require_school(session, data.school_id)
    require_zone(session, data.zone_id)
    exists = session.scalar(select(Assignment).where(
        Assignment.researcher_id == data.researcher_id, Assignment.school_id == data.school_id,
        Assignment.zone_id == data.zone_id, Assignment.semester == data.semester))
    if exists:
        raise APIError(409, "already_assigned", "This assignment exists already.")
    row = Assignment(**data.model_dump())
    session.add(row)
    session.flush()
    return row
