"""Visits and activities: record, list, edit attendance and minutes, attach materials (files or links)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Query, Response, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy import func, select

from api.access import activities_clause
from api.activities import service, storage
from api.activities.schemas import ActivityIn, ActivityOut, ActivityPatch, LinkIn, MaterialOut
from api.deps import DB, Access
from api.errors import not_found
from api.pagination import Page, Paging
from api.quotas.common import semester_dates
from api.types import PathId
from models import Activity, ActivityAttendee, ActivityKind, ActivityMaterial
from tingke.semesters import SEMESTER_PATTERN

router = APIRouter(prefix="/api", tags=["activities"])


@router.post("/activities", response_model=ActivityOut, status_code=201)
def create_activity(data: ActivityIn, session: DB, ctx: Access) -> ActivityOut:
    return service.to_out(session, ctx, service.create(session, ctx, data))


@router.get("/activities", response_model=Page[ActivityOut])
def list_activities(
    session: DB, ctx: Access, paging: Paging,
    kind: ActivityKind | None = None,
    semester: Annotated[str | None, Query(pattern=SEMESTER_PATTERN)] = None,
    school_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    mine: bool = False,
) -> Page[ActivityOut]:
    query = select(Activity).where(activities_clause(session, ctx))
    if kind is not None:
        query = query.where(Activity.kind == kind)
    if semester is not None:
        first, last = semester_dates(semester)
        query = query.where(Activity.held_on >= first, Activity.held_on <= last)
    if school_id is not None:
        query = query.where(Activity.school_id == school_id)
    if mine:
        attended = select(ActivityAttendee.activity_id).where(ActivityAttendee.user_id == ctx.user.id)
        query = query.where((Activity.organizer_id == ctx.user.id) | Activity.id.in_(attended))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Activity.held_on.desc(), Activity.id.desc())
                           .limit(paging.limit).offset(paging.offset))
    return Page(items=[service.to_out(session, ctx, a) for a in rows], total=total, **paging.model_dump())


@router.get("/activities/{activity_id}", response_model=ActivityOut)
def get_activity(activity_id: PathId, session: DB, ctx: Access) -> ActivityOut:
    return service.to_out(session, ctx, service.get_visible(session, ctx, activity_id))


@router.patch("/activities/{activity_id}", response_model=ActivityOut)
def patch_activity(activity_id: PathId, data: ActivityPatch, session: DB, ctx: Access) -> ActivityOut:
    activity = service.get_editable(session, ctx, activity_id)
    return service.to_out(session, ctx, service.update(session, activity, data))


@router.delete("/activities/{activity_id}", status_code=204)
def delete_activity(activity_id: PathId, session: DB, ctx: Access) -> Response:
    activity = service.get_editable(session, ctx, activity_id)
    paths = [m.path for m in activity.materials if m.path]
    session.delete(activity)
    session.flush()
    for path in paths:
        storage.path_of(path).unlink(missing_ok=True)
    return Response(status_code=204)


@router.post("/activities/{activity_id}/materials", response_model=MaterialOut, status_code=201,
             summary="Attach a file (multipart field 'file'); the size limit is a setting")
def upload_material(activity_id: PathId, session: DB, ctx: Access,
                    file: Annotated[UploadFile, File()]) -> MaterialOut:
    activity = service.get_editable(session, ctx, activity_id)
    path, size, name = storage.save(activity.id, file)
    material = ActivityMaterial(activity_id=activity.id, name=name, path=path, size_bytes=size,
                                content_type=(file.content_type or "")[:100], uploaded_by_id=ctx.user.id)
    session.add(material)
    session.flush()
    return service.material_out(activity, material)


@router.post("/activities/{activity_id}/links", response_model=MaterialOut, status_code=201)
def add_link(activity_id: PathId, data: LinkIn, session: DB, ctx: Access) -> MaterialOut:
    activity = service.get_editable(session, ctx, activity_id)
    material = ActivityMaterial(activity_id=activity.id, name=data.name, url=str(data.url),
                                uploaded_by_id=ctx.user.id)
    session.add(material)
    session.flush()
    return service.material_out(activity, material)


def _material(session: DB, activity: Activity, material_id: int) -> ActivityMaterial:
    material = session.get(ActivityMaterial, material_id)
    if material is None or material.activity_id != activity.id:
        raise not_found("material")
    return material


@router.get("/activities/{activity_id}/materials/{material_id}", response_class=FileResponse)
def download_material(activity_id: PathId, material_id: PathId, session: DB, ctx: Access) -> Response:
    activity = service.get_visible(session, ctx, activity_id)
    material = _material(session, activity, material_id)
    if not material.path:
        return Response(status_code=307, headers={"Location": material.url or "/"})
    path = storage.path_of(material.path)
    if not path.exists():
        raise not_found("material file")
    disposition = f"attachment; filename=\"material{path.suffix}\"; filename*=UTF-8''{quote(material.name)}"
    return FileResponse(path, media_type=material.content_type or "application/octet-stream",
                        headers={"Content-Disposition": disposition})


@router.delete("/activities/{activity_id}/materials/{material_id}", status_code=204)
def delete_material(activity_id: PathId, material_id: PathId, session: DB, ctx: Access) -> Response:
    activity = service.get_editable(session, ctx, activity_id)
    material = _material(session, activity, material_id)
    if material.path:
        storage.path_of(material.path).unlink(missing_ok=True)
    session.delete(material)
    return Response(status_code=204)
