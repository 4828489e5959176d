"""Zones, schools, communities (1+X pairing by school year) and researchers' assignments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from api.community import service
from api.community.schemas import (
    SCHOOL_YEAR,
    AssignmentIn,
    AssignmentOut,
    AssignmentPatch,
    CommunityIn,
    CommunityOut,
    CommunityPatch,
    SchoolIn,
    SchoolOut,
    SchoolPatch,
    ZoneIn,
    ZoneOut,
    ZonePatch,
)
from api.deps import DB, Access
from api.types import PathId
from models import Assignment, Community, School, Zone

router = APIRouter(prefix="/api", tags=["community"])


@router.get("/zones", response_model=list[ZoneOut])
def list_zones(session: DB, _: Access) -> list[Zone]:
    return list(session.scalars(select(Zone).order_by(Zone.id)))


@router.post("/zones", response_model=ZoneOut, status_code=201)
def create_zone(data: ZoneIn, session: DB, ctx: Access) -> Zone:
    return service.create_zone(session, ctx, data)


@router.patch("/zones/{zone_id}", response_model=ZoneOut)
def update_zone(zone_id: PathId, data: ZonePatch, session: DB, ctx: Access) -> Zone:
    return service.update_zone(session, ctx, zone_id, data)


@router.get("/schools", response_model=list[SchoolOut])
def list_schools(session: DB, _: Access) -> list[School]:
    return list(session.scalars(select(School).order_by(School.id)))


@router.post("/schools", response_model=SchoolOut, status_code=201)
def create_school(data: SchoolIn, session: DB, ctx: Access) -> School:
    return service.create_school(session, ctx, data)


@router.patch("/schools/{school_id}", response_model=SchoolOut)
def update_school(school_id: PathId, data: SchoolPatch, session: DB, ctx: Access) -> School:
    return service.update_school(session, ctx, school_id, data)


def community_out(c: Community) -> CommunityOut:
    return CommunityOut(id=c.id, name=c.name, zone_id=c.zone_id, lead_school_id=c.lead_school_id,
                        member_school_ids=sorted(m.school_id for m in c.members), school_year=c.school_year)


@router.get("/communities", response_model=list[CommunityOut])
def list_communities(session: DB, _: Access, school_year: str | None = None) -> list[CommunityOut]:
    query = select(Community).order_by(Community.id)
    if school_year:
        query = query.where(Community.school_year == school_year)
    return [community_out(c) for c in session.scalars(query)]


@router.post("/communities", response_model=CommunityOut, status_code=201)
def create_community(data: CommunityIn, session: DB, ctx: Access) -> CommunityOut:
    return community_out(service.create_community(session, ctx, data))


@router.patch("/communities/{community_id}", response_model=CommunityOut,
              summary="Change the pairing: lead school, members (add, remove, or the whole list), school year")
def update_community(community_id: PathId, data: CommunityPatch, session: DB, ctx: Access) -> CommunityOut:
    return community_out(service.update_community(session, ctx, community_id, data))


@router.post("/communities/{community_id}/copy", response_model=CommunityOut, status_code=201,
             summary="Start another school year's pairing from this one")
def copy_community(community_id: PathId, session: DB, ctx: Access,
                   school_year: Annotated[str, Query(pattern=SCHOOL_YEAR)]) -> CommunityOut:
    return community_out(service.copy_community_to_year(session, ctx, community_id, school_year))


@router.get("/assignments", response_model=list[AssignmentOut])
def list_assignments(session: DB, ctx: Access, semester: str | None = None) -> list[Assignment]:
    query = select(Assignment).order_by(Assignment.id)
    if not ctx.is_admin:
        query = query.where(Assignment.researcher_id == ctx.user.id)
    if semester:
        query = query.where(Assignment.semester == semester)
    return list(session.scalars(query))


@router.post("/assignments", response_model=AssignmentOut, status_code=201)
def create_assignment(data: AssignmentIn, session: DB, ctx: Access) -> Assignment:
    return service.create_assignment(session, ctx, data)


@router.patch("/assignments/{assignment_id}", response_model=AssignmentOut)
def update_assignment(assignment_id: PathId, data: AssignmentPatch, session: DB, ctx: Access) -> Assignment:
    return service.update_assignment(session, ctx, assignment_id, data)


@router.delete("/assignments/{assignment_id}", status_code=204)
def delete_assignment(assignment_id: PathId, session: DB, ctx: Access) -> Response:
    service.delete_assignment(session, ctx, assignment_id)
    return Response(status_code=204)
