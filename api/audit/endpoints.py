"""The audit log for the district office: search and export. There is no route that changes or removes a row."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from api.access import can_administer_district
from api.audit import search
from api.audit.service import record
from api.deps import DB, Access
from api.errors import forbidden
from api.pagination import Paging

router = APIRouter(prefix="/api/audit", tags=["audit"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def audit_query(person: Annotated[str | None, Query(max_length=100, description="name or user id")] = None,
                lesson_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                action: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_.]+$")] = None,
                since: Annotated[date | None, Query(description="first local day")] = None,
                until: Annotated[date | None, Query(description="last local day")] = None) -> search.AuditQuery:
    return search.AuditQuery(person=person, lesson_id=lesson_id, action=action, since=since, until=until)


Filters = Annotated[search.AuditQuery, Depends(audit_query)]


def _district_only(ctx: Access) -> None:
    if not can_administer_district(ctx):
        raise forbidden("Only the district office reads the audit log.")


@router.get("", summary="Search the audit log (newest first); times also in the district's time zone")
def list_events(session: DB, ctx: Access, query: Filters, paging: Paging) -> dict[str, Any]:
    _district_only(ctx)
    rows, total = search.search(session, query, paging.limit, paging.offset)
    return {"items": [search.to_out(r) for r in rows], "total": total, **paging.model_dump()}


@router.get("/export.{fmt}", summary="The matching rows as CSV or .xlsx (at most 50,000)")
def export(fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")], session: DB, ctx: Access, query: Filters) -> Response:
    _district_only(ctx)
    rows = search.export_rows(session, query)
    record(session, ctx.user, "audit.export", summary=f"{len(rows)} rows as {fmt}", rows=len(rows),
           person=query.person, of_lesson=query.lesson_id, of_action=query.action,
           since=query.since.isoformat() if query.since else None,
           until=query.until.isoformat() if query.until else None)
    if fmt == "csv":
        return Response(search.to_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="audit.csv"'})
    return Response(search.to_xlsx(rows), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="audit.xlsx"'})
