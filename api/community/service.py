"""Zones, schools, communities and their 1+X pairing, researchers' assignments: the district office's work.

The JSON API, the admin pages (through the API), the bulk import and the command line call these; each
checks the caller's right (``ctx`` None is the command line) and appends its audit record.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import AccessContext, can_administer_district
from api.audit.service import record
from api.community.schemas import (
    AssignmentIn,
    AssignmentPatch,
    CommunityIn,
    CommunityPatch,
    SchoolIn,
    SchoolPatch,
    ZoneIn,
    ZonePatch,
)
from api.errors import APIError, forbidden, not_found
from models import Assignment, Community, CommunityMember, School, User, UserRole, Zone


def _district_only(ctx: AccessContext | None) -> User | None:
    if not can_administer_district(ctx):
        raise forbidden("Only the district office (administrators) may do this.")
    return ctx.user if ctx is not None else None


def _require_school(session: Session, school_id: int | None) -> None:
    if school_id is not None and session.get(School, school_id) is None:
        raise APIError(422, "unknown_school", f"School {school_id} does not exist.", school_id=school_id)


def require_zone(session: Session, zone_id: int | None) -> None:
    if zone_id is not None and session.get(Zone, zone_id) is None:
        raise APIError(422, "unknown_zone", f"Zone {zone_id} does not exist.", zone_id=zone_id)


def _changed(row: object, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Apply ``changes`` to ``row``; return field → [before, after] for what really changed."""
    diff = {}
    for key, value in changes.items():
        before = getattr(row, key)
        if before != value:
            setattr(row, key, value)
            diff[key] = [getattr(before, "value", before), getattr(value, "value", value)]
    return diff


# ---- zones --------------------------------------------------------------------------------------

def _unique_zone_code(session: Session, code: str, zone_id: int | None = None) -> None:
    found = session.scalar(select(Zone.id).where(Zone.code == code))
    if found is not None and found != zone_id:
        raise APIError(409, "zone_code_taken", f"Another zone has the code '{code}'.", zone_code=code)


def create_zone(session: Session, ctx: AccessContext | None, data: ZoneIn) -> Zone:
    actor = _district_only(ctx)
    _unique_zone_code(session, data.code)
    zone = Zone(name=data.name, code=data.code)
    session.add(zone)
    session.flush()
    record(session, actor, "zone.create", target_type="zone", target_id=zone.id, summary=zone.name)
    return zone


def update_zone(session: Session, ctx: AccessContext | None, zone_id: int, data: ZonePatch) -> Zone:
    actor = _district_only(ctx)
    zone = session.get(Zone, zone_id)
    if zone is None:
        raise not_found("zone")
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "code" in changes:
        _unique_zone_code(session, changes["code"], zone.id)
    diff = _changed(zone, changes)
    if diff:
        record(session, actor, "zone.update", target_type="zone", target_id=zone.id, summary=zone.name, changes=diff)
    session.flush()
    return zone


# ---- schools ------------------------------------------------------------------------------------

def create_school(session: Session, ctx: AccessContext | None, data: SchoolIn) -> School:
    actor = _district_only(ctx)
    require_zone(session, data.zone_id)
    if session.scalar(select(School.id).where(School.name == data.name)) is not None:
        raise APIError(409, "school_name_taken", f"A school is already named '{data.name}'.", name=data.name)
    school = School(**data.model_dump())
    session.add(school)
    session.flush()
    record(session, actor, "school.create", target_type="school", target_id=school.id, school_id=school.id,
           summary=school.name, role=school.role.value)
    return school


def update_school(session: Session, ctx: AccessContext | None, school_id: int, data: SchoolPatch) -> School:
    actor = _district_only(ctx)
    school = session.get(School, school_id)
    if school is None:
        raise not_found("school")
    changes = data.model_dump(exclude_unset=True)
    for key in ("name", "role", "locale"):
        if key in changes and changes[key] is None:
            del changes[key]
    if "zone_id" in changes:
        require_zone(session, changes["zone_id"])
    if "name" in changes:
        other = session.scalar(select(School.id).where(School.name == changes["name"], School.id != school.id))
        if other is not None:
            raise APIError(409, "school_name_taken", f"A school is already named '{changes['name']}'.",
                           name=changes["name"])
    diff = _changed(school, changes)
    if diff:
        record(session, actor, "school.update", target_type="school", target_id=school.id, school_id=school.id,
               summary=school.name, changes=diff)
    session.flush()
    return school


# ---- communities and their 1+X pairing ----------------------------------------------------------

def create_community(session: Session, ctx: AccessContext | None, data: CommunityIn) -> Community:
    actor = _district_only(ctx)
    for sid in (data.lead_school_id, *data.member_school_ids):
        _require_school(session, sid)
    require_zone(session, data.zone_id)
    members = sorted(set(data.member_school_ids) - {data.lead_school_id})
    community = Community(name=data.name, zone_id=data.zone_id, lead_school_id=data.lead_school_id,
                          school_year=data.school_year, members=[CommunityMember(school_id=s) for s in members])
    session.add(community)
    session.flush()
    record(session, actor, "community.create", target_type="community", target_id=community.id,
           summary=community.name, lead_school_id=community.lead_school_id, member_school_ids=members,
           school_year=community.school_year)
    return community


def update_community(session: Session, ctx: AccessContext | None, community_id: int,
                     data: CommunityPatch) -> Community:
    """Change the pairing; a school that becomes the lead leaves the members, the old lead does not join them."""
    actor = _district_only(ctx)
    community = session.get(Community, community_id)
    if community is None:
        raise not_found("community")
    changes = data.model_dump(exclude_unset=True)
    for sid in (changes.get("lead_school_id"), *(changes.get("member_school_ids") or ()),
                *data.add_school_ids):
        _require_school(session, sid)
    if "zone_id" in changes:
        require_zone(session, changes["zone_id"])
    before_members = sorted(m.school_id for m in community.members)
    kept = ("name", "zone_id", "lead_school_id", "school_year")
    fields: dict[str, Any] = {k: changes[k] for k in kept if k in changes}
    if fields.get("name", "") is None or fields.get("lead_school_id", 0) is None:
        raise APIError(422, "invalid_input", "A community keeps a name and a lead school.")
    diff = _changed(community, fields)
    members = set(data.member_school_ids if data.member_school_ids is not None else before_members)
    members |= set(data.add_school_ids)
    members -= set(data.remove_school_ids)
    members.discard(community.lead_school_id)
    if sorted(members) != before_members:
        community.members = [m for m in community.members if m.school_id in members]
        have = {m.school_id for m in community.members}
        community.members += [CommunityMember(school_id=s) for s in sorted(members - have)]
        diff["member_school_ids"] = [before_members, sorted(members)]
    if diff:
        record(session, actor, "community.update", target_type="community", target_id=community.id,
               summary=community.name, changes=diff)
    session.flush()
    return community


def copy_community_to_year(session: Session, ctx: AccessContext | None, community_id: int,
                           school_year: str) -> Community:
    """Next year's pairing starts as this year's: the office then adds or removes schools."""
    source = session.get(Community, community_id)
    if source is None:
        raise not_found("community")
    if source.school_year == school_year:
        raise APIError(409, "same_school_year", "The community is already for this school year.")
    return create_community(session, ctx, CommunityIn(
        name=source.name, zone_id=source.zone_id, lead_school_id=source.lead_school_id,
        member_school_ids=[m.school_id for m in source.members], school_year=school_year))


# ---- researchers' assignments -------------------------------------------------------------------

def create_assignment(session: Session, ctx: AccessContext | None, data: AssignmentIn) -> Assignment:
    actor = _district_only(ctx)
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
    record(session, actor, "assignment.create", target_type="assignment", target_id=row.id,
           school_id=row.school_id, summary=researcher.display_name, researcher_id=researcher.id,
           zone_id=row.zone_id, semester=row.semester, subject=row.subject)
    return row


def update_assignment(session: Session, ctx: AccessContext | None, assignment_id: int,
                      data: AssignmentPatch) -> Assignment:
    actor = _district_only(ctx)
    row = session.get(Assignment, assignment_id)
    if row is None:
        raise not_found("assignment")
    changes = data.model_dump(exclude_unset=True)
    if changes.get("semester", row.semester) is None:
        raise APIError(422, "invalid_input", "An assignment keeps its semester.")
    diff = _changed(row, changes)
    if diff:
        record(session, actor, "assignment.update", target_type="assignment", target_id=row.id,
               school_id=row.school_id, summary=row.researcher.display_name, changes=diff)
    session.flush()
    return row


def delete_assignment(session: Session, ctx: AccessContext | None, assignment_id: int) -> None:
    actor = _district_only(ctx)
    row = session.get(Assignment, assignment_id)
    if row is None:
        raise not_found("assignment")
    record(session, actor, "assignment.delete", target_type="assignment", target_id=row.id, school_id=row.school_id,
           summary=row.researcher.display_name, researcher_id=row.researcher_id, zone_id=row.zone_id,
           semester=row.semester, subject=row.subject)
    session.delete(row)
    session.flush()
