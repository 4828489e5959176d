"""评课量表 administration: copy a rubric, edit the copy (weights summing to 100), choose the default one.

A rubric that observations were scored against keeps its dimensions (their scores would change meaning):
edit a copy instead. Names and which rubric is the default may always change.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.access import AccessContext, can_administer_district
from api.audit.service import record
from api.errors import APIError, forbidden, not_found
from api.rubrics.schemas import DimensionIn, RubricIn, RubricPatch
from models import Observation, Rubric, RubricDimension, User


def _district_only(ctx: AccessContext | None) -> User | None:
    if not can_administer_district(ctx):
        raise forbidden("Only administrators edit rubrics.")
    return ctx.user if ctx is not None else None


def _dimensions(dims: list[DimensionIn]) -> list[RubricDimension]:
    return [RubricDimension(position=i, **d.model_dump(exclude={"descriptors"}),
                            descriptors=[x.model_dump() for x in d.descriptors]) for i, d in enumerate(dims)]


def get_rubric(session: Session, rubric_id: int) -> Rubric:
    rubric = session.get(Rubric, rubric_id)
    if rubric is None:
        raise not_found("rubric")
    return rubric


def in_use(session: Session, rubric_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Observation).where(Observation.rubric_id == rubric_id)) or 0


def create_rubric(session: Session, ctx: AccessContext | None, data: RubricIn) -> Rubric:
    actor = _district_only(ctx)
    rubric = Rubric(name_zh=data.name_zh, name_en=data.name_en)
    rubric.dimensions = _dimensions(data.dimensions)
    session.add(rubric)
    session.flush()
    record(session, actor, "rubric.create", target_type="rubric", target_id=rubric.id, summary=rubric.name_zh)
    return rubric


def copy_rubric(session: Session, ctx: AccessContext | None, rubric_id: int) -> Rubric:
    actor = _district_only(ctx)
    source = get_rubric(session, rubric_id)
    rubric = Rubric(name_zh=f"{source.name_zh}（副本）"[:200], name_en=f"{source.name_en} (copy)"[:200])
    rubric.dimensions = [
        RubricDimension(code=d.code, name_zh=d.name_zh, name_en=d.name_en, weight=d.weight, max_score=d.max_score,
                        position=d.position, descriptors=list(d.descriptors)) for d in source.dimensions]
    session.add(rubric)
    session.flush()
    record(session, actor, "rubric.copy", target_type="rubric", target_id=rubric.id, summary=rubric.name_zh,
           source_id=source.id)
    return rubric


def update_rubric(session: Session, ctx: AccessContext | None, rubric_id: int, data: RubricPatch) -> Rubric:
    actor = _district_only(ctx)
    rubric = get_rubric(session, rubric_id)
    changes: dict[str, object] = {}
    for key in ("name_zh", "name_en"):
        value = getattr(data, key)
        if value is not None and value != getattr(rubric, key):
            changes[key] = [getattr(rubric, key), value]
            setattr(rubric, key, value)
    if data.dimensions is not None:
        used = in_use(session, rubric.id)
        if used:
            raise APIError(409, "rubric_in_use", f"{used} observations were scored with this rubric: edit a copy.",
                           n=used)
        rubric.dimensions = []
        session.flush()  # the old rows go first: the new ones reuse their codes
        rubric.dimensions = _dimensions(data.dimensions)
        changes["dimensions"] = [d.code for d in data.dimensions]
        changes["weights"] = [d.weight for d in data.dimensions]
    if data.is_default and not rubric.is_default:
        session.execute(update(Rubric).where(Rubric.id != rubric.id).values(is_default=False))
        rubric.is_default = True
        changes["is_default"] = True
    if changes:
        record(session, actor, "rubric.update", target_type="rubric", target_id=rubric.id, summary=rubric.name_zh,
               changes=changes)
    session.flush()
    return rubric
