"""同课异构 events: create around lessons of different schools, list, and read with per-lesson scores."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from api.access import can_view_event
from api.deps import DB, Access
from api.lesson_events import service
from api.lesson_events.schemas import EventIn, EventOut
from api.types import PathId
from models import LessonGroupEvent

router = APIRouter(prefix="/api", tags=["同课异构 events"])


@router.post("/events", response_model=EventOut, status_code=201)
def create_event(data: EventIn, session: DB, ctx: Access) -> EventOut:
    return service.to_out(session, ctx, service.create(session, ctx, data))


@router.get("/events", response_model=list[EventOut])
def list_events(session: DB, ctx: Access) -> list[EventOut]:
    rows = session.scalars(select(LessonGroupEvent).order_by(LessonGroupEvent.held_on.desc()).limit(200))
    return [service.to_out(session, ctx, e) for e in rows if can_view_event(session, ctx, e)]


@router.get("/events/{group_id}", response_model=EventOut)
def get_event(group_id: PathId, session: DB, ctx: Access) -> EventOut:
    return service.to_out(session, ctx, service.get_visible_event(session, ctx, group_id))
