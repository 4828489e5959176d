"""Zones, schools, communities, people and contact-school assignments."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import func, select

from api.access import can_list_users, users_clause
from api.community import service
from api.community.schemas import (
    AssignmentIn,
    AssignmentOut,
    CommunityIn,
    CommunityOut,
    SchoolIn,
    SchoolOut,
    UserIn,
    UserOut,
    ZoneOut,
)
from api.deps import DB, Access
from api.errors import forbidden
from api.pagination import Page, Paging
from models import Assignment, Community, School, User, Zone

router = APIRouter(prefix="/api", tags=["community"])


def _admin_only(ctx: Access) -> None:
    if not ctx.is_admin:
        raise forbidden("Only administrators may do this.")


@router.get("/zones", response_model=list[ZoneOut])
def list_zones(session: DB, _: Access) -> list[Zone]:
    return list(session.scalars(select(Zone).order_by(Zone.id)))


@router.get("/schools", response_model=list[SchoolOut])
def list_schools(session: DB, _: Access) -> list[School]:
    return list(session.scalars(select(School).order_by(School.id)))


@router.post("/schools", response_model=SchoolOut, status_code=201)
def create_school(data: SchoolIn, session: DB, ctx: Access) -> School:
    _admin_only(ctx)
    service.require_zone(session, data.zone_id)
    school = School(**data.model_dump())
    session.add(school)
    session.flush()
    return school


def _community_out(c: Community) -> CommunityOut:
    return CommunityOut(id=c.id, name=c.name, zone_id=c.zone_id, lead_school_id=c.lead_school_id,
                        member_school_ids=sorted(m.school_id for m in c.members))


@router.get("/communities", response_model=list[CommunityOut])
def list_communities(session: DB, _: Access) -> list[CommunityOut]:
    return [_community_out(c) for c in session.scalars(select(Community).order_by(Community.id))]


@router.post("/communities", response_model=CommunityOut, status_code=201)
def create_community(data: CommunityIn, session: DB, ctx: Access) -> CommunityOut:
    _admin_only(ctx)
    return _community_out(service.create_community(session, data))


@router.get("/users", response_model=Page[UserOut])
def list_users(session: DB, ctx: Access, paging: Paging) -> Page[UserOut]:
    if not can_list_users(ctx):
        raise forbidden("Only administrators, school admins and researchers list people.")
    where = users_clause(ctx)
    total = session.scalar(select(func.count()).select_from(User).where(where)) or 0
    rows = session.scalars(select(User).where(where).order_by(User.id).limit(paging.limit).offset(paging.offset))
    return Page(items=[UserOut.model_validate(u) for u in rows], total=total, **paging.model_dump())


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(data: UserIn, session: DB, ctx: Access) -> User:
    _admin_only(ctx)
    return service.create_user(session, data)


@router.get("/assignments", response_model=list[AssignmentOut])
def list_assignments(session: DB, ctx: Access) -> list[Assignment]:
    query = select(Assignment).order_by(Assignment.id)
    if not ctx.is_admin:
        query = query.where(Assignment.researcher_id == ctx.user.id)
    return list(session.scalars(query))


@router.post("/assignments", response_model=AssignmentOut, status_code=201)
def create_assignment(data: AssignmentIn, session: DB, ctx: Access) -> Assignment:
    _admin_only(ctx)
    return service.create_assignment(session, data)
