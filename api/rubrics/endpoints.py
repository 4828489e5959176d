"""评课量表: list, read and (admins) create, copy and edit rubrics."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from api.deps import DB, Access
from api.errors import not_found
from api.rubrics import service
from api.rubrics.schemas import RubricIn, RubricOut, RubricPatch
from api.types import PathId
from models import Rubric

router = APIRouter(prefix="/api/rubrics", tags=["rubrics"])


@router.get("", response_model=list[RubricOut])
def list_rubrics(session: DB, _: Access) -> list[Rubric]:
    return list(session.scalars(select(Rubric).order_by(Rubric.is_default.desc(), Rubric.id)))


@router.get("/{rubric_id}", response_model=RubricOut)
def get_rubric(rubric_id: PathId, session: DB, _: Access) -> Rubric:
    rubric = session.get(Rubric, rubric_id)
    if rubric is None:
        raise not_found("rubric")
    return rubric


@router.post("", response_model=RubricOut, status_code=201)
def create_rubric(data: RubricIn, session: DB, ctx: Access) -> Rubric:
    return service.create_rubric(session, ctx, data)


@router.post("/{rubric_id}/copy", response_model=RubricOut, status_code=201, summary="Copy a rubric to edit it")
def copy_rubric(rubric_id: PathId, session: DB, ctx: Access) -> Rubric:
    return service.copy_rubric(session, ctx, rubric_id)


@router.patch("/{rubric_id}", response_model=RubricOut)
def update_rubric(rubric_id: PathId, data: RubricPatch, session: DB, ctx: Access) -> Rubric:
    return service.update_rubric(session, ctx, rubric_id, data)
