"""Observations of a lesson, their notes, submission and sign-off (the lesson report is api/reports)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from api.access import can_read_observation
from api.deps import DB, Access
from api.lessons.deps import VisibleLesson
from api.observations import service
from api.observations.schemas import (
    NoteIn,
    NoteOut,
    ObservationIn,
    ObservationOut,
    ObservationPatch,
)
from api.types import PathId
from models import Note, Observation

router = APIRouter(prefix="/api", tags=["observations"])


@router.post("/lessons/{lesson_id}/observations", response_model=ObservationOut, status_code=201)
def start_observation(lesson: VisibleLesson, data: ObservationIn, session: DB, ctx: Access) -> ObservationOut:
    return service.to_out(service.start(session, ctx, lesson, data))


@router.get("/lessons/{lesson_id}/observations", response_model=list[ObservationOut])
def list_observations(lesson: VisibleLesson, session: DB, ctx: Access) -> list[ObservationOut]:
    rows = session.scalars(select(Observation).where(Observation.lesson_id == lesson.id).order_by(Observation.id))
    return [service.to_out(o) for o in rows if can_read_observation(ctx, o)]


@router.get("/observations/{obs_id}", response_model=ObservationOut)
def get_observation(obs_id: PathId, session: DB, ctx: Access) -> ObservationOut:
    return service.to_out(service.get_readable(session, ctx, obs_id))


@router.patch("/observations/{obs_id}", response_model=ObservationOut)
def patch_observation(obs_id: PathId, data: ObservationPatch, session: DB, ctx: Access) -> ObservationOut:
    obs = service.update(session, service.get_own_draft(session, ctx, obs_id), data)
    return service.to_out(obs)


@router.post("/observations/{obs_id}/notes", response_model=NoteOut, status_code=201)
def add_note(obs_id: PathId, data: NoteIn, session: DB, ctx: Access) -> Note:
    return service.add_note(session, service.get_own_draft(session, ctx, obs_id), data)


@router.delete("/observations/{obs_id}/notes/{note_id}", status_code=204)
def delete_note(obs_id: PathId, note_id: PathId, session: DB, ctx: Access) -> Response:
    service.delete_note(session, service.get_own_draft(session, ctx, obs_id), note_id)
    return Response(status_code=204)


@router.post("/observations/{obs_id}/submit", response_model=ObservationOut)
def submit(obs_id: PathId, session: DB, ctx: Access) -> ObservationOut:
    return service.to_out(service.submit(session, service.get_own_draft(session, ctx, obs_id)))


@router.post("/observations/{obs_id}/signoff", response_model=ObservationOut)
def sign_off(obs_id: PathId, session: DB, ctx: Access) -> ObservationOut:
    obs = service.get_readable(session, ctx, obs_id)
    return service.to_out(service.sign_off(session, ctx, obs))
