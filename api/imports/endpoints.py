"""Bulk import of schools, people and researchers' assignments: template, preview (writes nothing), confirm."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Path, UploadFile
from fastapi.responses import Response

from api.access import can_administer_district
from api.deps import DB, Access
from api.errors import APIError, forbidden
from api.imports import service
from api.imports.reader import MAX_BYTES
from api.imports.templates import template_csv, template_xlsx
from models import UserRole

router = APIRouter(prefix="/api/imports", tags=["imports"])
KIND_ZH = {"people": "教师导入模板", "schools": "学校导入模板", "assignments": "教研员分工导入模板"}
Kind = Annotated[str, Path(pattern="^(people|schools|assignments)$")]


def _may_import(ctx: Access, kind: str) -> None:
    if can_administer_district(ctx):
        return
    if kind == "people" and ctx.user.role == UserRole.school_admin:
        return
    raise forbidden("Only the district office imports this; school admins import their own teachers.")


@router.get("/{kind}/template.{fmt}", summary="The spreadsheet layout to fill in (.xlsx or .csv)")
def template(kind: Kind, fmt: Annotated[str, Path(pattern="^(xlsx|csv)$")], _: Access) -> Response:
    body = template_xlsx(kind) if fmt == "xlsx" else template_csv(kind)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx" else \
        "text/csv; charset=utf-8"
    name = f"{KIND_ZH[kind]}.{fmt}"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f"attachment; filename=\"{kind}-template.{fmt}\"; filename*=UTF-8''{quote(name)}"})


@router.post("/{kind}/preview", summary="What the file would change, row by row; nothing is written")
async def preview(kind: Kind, session: DB, ctx: Access, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    _may_import(ctx, kind)
    data = await file.read(MAX_BYTES + 1)
    if not data:
        raise APIError(422, "empty_file", "The file is empty.")
    from fastapi.concurrency import run_in_threadpool

    outcome = await run_in_threadpool(service.preview, session, ctx, kind, data, file.filename or "import.xlsx")
    return outcome.public()


@router.post("/{token}/confirm", summary="Write the previewed import (rows with errors are left out)")
def confirm(token: Annotated[str, Path(max_length=64)], session: DB, ctx: Access) -> dict[str, Any]:
    return service.confirm(session, ctx, token).public()
