"""评课量表: list, read and (admins) create rubrics."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from api.deps import DB, Access
from api.errors import forbidden, not_found
from api.rubrics.schemas import RubricIn, RubricOut
from api.types import PathId
from models import Rubric, RubricDimension

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
    if not ctx.is_admin:
        raise forbidden("Only administrators create rubrics.")
    rubric = Rubric(name_zh=data.name_zh, name_en=data.name_en)
    rubric.dimensions = [
        RubricDimension(position=i, **d.model_dump(exclude={"descriptors"}),
                        descriptors=[x.model_dump() for x in d.descriptors])
        for i, d in enumerate(data.dimensions)
    ]
    session.add(rubric)
    session.flush()
    return rubric
