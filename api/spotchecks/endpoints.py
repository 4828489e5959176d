"""Spot-check draws: draw (schedules the lesson, notifies), list, read, and re-run to verify."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import func, select

from api.access import spotchecks_clause
from api.deps import DB, Access
from api.pagination import Page, Paging
from api.spotchecks import service
from api.spotchecks.schemas import DrawIn, DrawOut, VerifyOut
from api.types import PathId
from models import SpotCheckDraw

router = APIRouter(prefix="/api", tags=["spot-checks"])


@router.post("/spotchecks", response_model=DrawOut, status_code=201,
             summary="Draw a teacher for a spot-check lesson (default: tomorrow)")
def draw(data: DrawIn, session: DB, ctx: Access) -> DrawOut:
    return service.to_out(service.run_draw(session, ctx, data))


@router.get("/spotchecks", response_model=Page[DrawOut])
def list_draws(session: DB, ctx: Access, paging: Paging) -> Page[DrawOut]:
    query = select(SpotCheckDraw).where(spotchecks_clause(ctx))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(SpotCheckDraw.id.desc()).limit(paging.limit).offset(paging.offset))
    return Page(items=[service.to_out(r) for r in rows], total=total, **paging.model_dump())


@router.get("/spotchecks/{draw_id}", response_model=DrawOut)
def get_draw(draw_id: PathId, session: DB, ctx: Access) -> DrawOut:
    return service.to_out(service.get_visible(session, ctx, draw_id))


@router.get("/spotchecks/{draw_id}/verify", response_model=VerifyOut,
            summary="Re-run the draw from its recorded seed and eligible list")
def verify(draw_id: PathId, session: DB, ctx: Access) -> VerifyOut:
    return service.verify(service.get_visible(session, ctx, draw_id))
