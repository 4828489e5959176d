"""Qualification: assess, list, draw random re-checks, record their results, and each school's pass rate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from api.access import qualification_school_ids, qualifications_clause
from api.deps import DB, Access
from api.errors import not_found
from api.qualifications import service
from api.qualifications.schemas import (
    AssessIn,
    CheckOut,
    CheckResultIn,
    PassRateOut,
    QualificationOut,
    RecheckDrawIn,
)
from api.types import PathId
from models import Qualification, QualificationCheck, QualificationStatus

router = APIRouter(prefix="/api", tags=["qualifications"])

SchoolFilter = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.post("/qualifications", response_model=QualificationOut, status_code=201)
def assess(data: AssessIn, session: DB, ctx: Access) -> QualificationOut:
    return service.to_out(session, service.assess(session, ctx, data))


@router.get("/qualifications", response_model=list[QualificationOut])
def list_qualifications(session: DB, ctx: Access, school_id: SchoolFilter = None,
                        status: QualificationStatus | None = None) -> list[QualificationOut]:
    query = select(Qualification).where(qualifications_clause(session, ctx))
    if school_id is not None:
        query = query.where(Qualification.school_id == school_id)
    if status is not None:
        query = query.where(Qualification.status == status)
    rows = session.scalars(query.order_by(Qualification.id.desc()).limit(500))
    return [service.to_out(session, q) for q in rows]


@router.get("/qualifications/pass-rates", response_model=list[PassRateOut])
def pass_rates(session: DB, ctx: Access, school_id: SchoolFilter = None) -> list[PassRateOut]:
    scope = qualification_school_ids(session, ctx)
    if scope is None:
        scope_ids = None if school_id is None else {school_id}
    else:
        if not scope and ctx.user.school_id is not None:
            scope = {ctx.user.school_id}  # a teacher sees their own school's rate
        scope_ids = scope if school_id is None else scope & {school_id}
    return service.pass_rates(session, scope_ids)


@router.get("/qualifications/{qualification_id}", response_model=QualificationOut)
def get_qualification(qualification_id: PathId, session: DB, ctx: Access) -> QualificationOut:
    row = session.scalar(select(Qualification).where(Qualification.id == qualification_id,
                                                     qualifications_clause(session, ctx)))
    if row is None:
        raise not_found("qualification")
    return service.to_out(session, row)


@router.post("/qualification-checks", response_model=list[CheckOut], status_code=201,
             summary="Draw standing passes at random for a re-check (动态管理)")
def draw_rechecks(data: RecheckDrawIn, session: DB, ctx: Access) -> list[CheckOut]:
    return [service.check_out(session, c) for c in service.draw_rechecks(session, ctx, data.school_id, data.count)]


@router.get("/qualification-checks", response_model=list[CheckOut])
def list_checks(session: DB, ctx: Access, pending: bool = False) -> list[CheckOut]:
    query = (select(QualificationCheck).join(Qualification, QualificationCheck.qualification_id == Qualification.id)
             .where(qualifications_clause(session, ctx)))
    if pending:
        query = query.where(QualificationCheck.passed.is_(None))
    return [service.check_out(session, c) for c in session.scalars(query.order_by(QualificationCheck.id.desc()))]


@router.post("/qualification-checks/{check_id}/result", response_model=CheckOut,
             summary="Record a re-check; a failed one revokes the pass")
def record_check(check_id: PathId, data: CheckResultIn, session: DB, ctx: Access) -> CheckOut:
    check = service.get_check(session, ctx, check_id)
    service.record_check(session, ctx, check, data)
    return service.check_out(session, check)
