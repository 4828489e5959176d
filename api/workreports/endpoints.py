"""Report downloads: a researcher's monthly summary and semester report (.docx), a school's quota sheet (.xlsx)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Response

from api.access import AccessContext
from api.deps import DB, Access
from api.errors import APIError, not_found
from api.qualifications.service import pass_rates
from api.quotas.access import quota_school_ids
from api.quotas.common import SEMESTER_PATTERN, semester_dates, semester_or_current
from api.quotas.service import people_progress, school_progress
from api.types import PathId
from api.workreports import documents
from api.workreports.collect import collect
from models import School, User, UserRole
from tingke.semesters import current_semester, semester_of
from tingke.timezone import today as local_today

router = APIRouter(prefix="/api", tags=["work reports"])

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _attachment(content: bytes, media_type: str, filename: str, ascii_name: str) -> Response:
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


def _researcher(session: DB, ctx: AccessContext, user_id: int) -> User:
    person = session.get(User, user_id)
    if person is None or person.role != UserRole.researcher or not (ctx.is_admin or ctx.user.id == person.id):
        raise not_found("researcher")
    return person


def month_bounds(month: str) -> tuple[date, date]:
    found = MONTH.match(month)
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2100:
        raise APIError(422, "bad_month", f"'{month}' is not a month like 2026-11.")
    year, mon = int(found.group(1)), int(found.group(2))
    first = date(year, mon, 1)
    following = date(year + (mon == 12), mon % 12 + 1, 1)
    return first, following - timedelta(days=1)


@router.get("/researchers/{user_id}/monthly-report.docx", response_class=Response,
            summary="每月一小结: a researcher's month as a Word document",
            responses={200: {"content": {documents.DOCX_TYPE: {}}}})
def monthly_report(user_id: PathId, session: DB, ctx: Access,
                   month: Annotated[str | None, Query(max_length=7, description="e.g. 2026-11")] = None) -> Response:
    person = _researcher(session, ctx, user_id)
    first, last = month_bounds(month or local_today().strftime("%Y-%m"))
    period = collect(session, person, first, last, semester_of(first))
    content = documents.researcher_docx(period, f"蹲点工作月小结（{first:%Y年%m月}）", None)
    return _attachment(content, documents.DOCX_TYPE, f"月小结-{person.display_name}-{first:%Y-%m}.docx",
                       f"monthly-{first:%Y-%m}.docx")


@router.get("/researchers/{user_id}/semester-report.docx", response_class=Response,
            summary="蹲点调研工作报告: a researcher's semester as a Word document",
            responses={200: {"content": {documents.DOCX_TYPE: {}}}})
def semester_report(user_id: PathId, session: DB, ctx: Access,
                    semester: Annotated[str | None, Query(pattern=SEMESTER_PATTERN)] = None) -> Response:
    person = _researcher(session, ctx, user_id)
    term = semester or current_semester()
    first, last = semester_dates(term)
    period = collect(session, person, first, last, term)
    quota = people_progress(session, [person], term)
    content = documents.researcher_docx(period, f"蹲点调研工作报告（{term} 学期）", quota[0] if quota else None)
    return _attachment(content, documents.DOCX_TYPE, f"蹲点调研工作报告-{person.display_name}-{term}.docx",
                       f"semester-report-{term}.docx")


@router.get("/schools/{school_id}/quota-sheet.xlsx", response_class=Response,
            summary="A school's semester sheet of quotas as an Excel workbook",
            responses={200: {"content": {documents.XLSX_TYPE: {}}}})
def quota_sheet(school_id: PathId, session: DB, ctx: Access,
                semester: Annotated[str | None, Query(pattern=SEMESTER_PATTERN)] = None) -> Response:
    term = semester_or_current(semester)
    school = session.get(School, school_id)
    if school is None or school_id not in quota_school_ids(session, ctx, term):
        raise not_found("school")
    rates = pass_rates(session, {school_id})
    content = documents.school_xlsx(school_progress(session, school, term), term, rates[0] if rates else None)
    return _attachment(content, documents.XLSX_TYPE, f"工作量统计-{school.name}-{term}.xlsx",
                       f"quota-sheet-{term}.xlsx")
