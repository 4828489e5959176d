"""Every report the API serves: a lesson's report (JSON, .docx 听课记录, .xlsx score sheet) built by one
collector for the reader, a researcher's monthly summary and semester report (.docx), and a school's quota
sheet (.xlsx)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.access import AccessContext, can_read_researcher_reports, quota_school_ids
from api.deps import DB, Access
from api.errors import APIError, not_found
from api.lessons.service import get_visible
from api.qualifications.service import pass_rates
from api.quotas.common import semester_dates, semester_or_current
from api.quotas.service import people_progress, school_progress
from api.reports import lesson, work, work_documents
from api.reports.downloads import DOCX_TYPE, XLSX_TYPE, attachment
from api.reports.lesson_docx import build_docx
from api.reports.lesson_xlsx import build_xlsx
from api.reports.schemas import ReportOut
from api.types import PathId
from models import LessonAnalytics, School, User
from tingke.semesters import SEMESTER_PATTERN, current_semester, semester_of
from tingke.timezone import today as local_today

router = APIRouter(prefix="/api", tags=["reports"])

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


# ---- a lesson's report --------------------------------------------------------------------------

@router.get("/lessons/{lesson_id}/report", response_model=ReportOut,
            summary="The lesson's report as this reader may see it (rows they may read; aggregates over ≥ 3)")
def lesson_report(lesson_id: PathId, session: DB, ctx: Access) -> ReportOut:
    return lesson.to_out(lesson.collect(session, ctx, get_visible(session, ctx, lesson_id)))


@router.get("/lessons/{lesson_id}/report.docx", summary="The 听课记录 of a lesson as a Word document",
            response_class=Response, responses={200: {"content": {DOCX_TYPE: {}}}})
def report_docx(lesson_id: PathId, session: DB, ctx: Access) -> Response:
    found = get_visible(session, ctx, lesson_id)
    analytics = session.get(LessonAnalytics, found.id)
    content = build_docx(lesson.collect(session, ctx, found), analytics.data if analytics else None)
    return attachment(content, DOCX_TYPE, f"听课记录-{found.title}.docx", "lesson-report.docx")


@router.get("/lessons/{lesson_id}/report.xlsx", summary="The scores of a lesson as an Excel workbook",
            response_class=Response, responses={200: {"content": {XLSX_TYPE: {}}}})
def report_xlsx(lesson_id: PathId, session: DB, ctx: Access) -> Response:
    found = get_visible(session, ctx, lesson_id)
    content = build_xlsx(lesson.collect(session, ctx, found))
    return attachment(content, XLSX_TYPE, f"评分表-{found.title}.xlsx", "lesson-report.xlsx")


# ---- work reports -------------------------------------------------------------------------------

def _researcher(session: DB, ctx: AccessContext, user_id: int) -> User:
    person = session.get(User, user_id)
    if person is None or not can_read_researcher_reports(ctx, person):
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
            responses={200: {"content": {DOCX_TYPE: {}}}})
def monthly_report(user_id: PathId, session: DB, ctx: Access,
                   month: Annotated[str | None, Query(max_length=7, description="e.g. 2026-11")] = None) -> Response:
    person = _researcher(session, ctx, user_id)
    first, last = month_bounds(month or local_today().strftime("%Y-%m"))
    period = work.collect(session, ctx, person, first, last, semester_of(first))
    content = work_documents.researcher_docx(period, f"蹲点工作月小结（{first:%Y年%m月}）", None)
    return attachment(content, DOCX_TYPE, f"月小结-{person.display_name}-{first:%Y-%m}.docx",
                      f"monthly-{first:%Y-%m}.docx")


@router.get("/researchers/{user_id}/semester-report.docx", response_class=Response,
            summary="蹲点调研工作报告: a researcher's semester as a Word document",
            responses={200: {"content": {DOCX_TYPE: {}}}})
def semester_report(user_id: PathId, session: DB, ctx: Access,
                    semester: Annotated[str | None, Query(pattern=SEMESTER_PATTERN)] = None) -> Response:
    person = _researcher(session, ctx, user_id)
    term = semester or current_semester()
    first, last = semester_dates(term)
    period = work.collect(session, ctx, person, first, last, term)
    quota = people_progress(session, [person], term)
    content = work_documents.researcher_docx(period, f"蹲点调研工作报告（{term} 学期）", quota[0] if quota else None)
    return attachment(content, DOCX_TYPE, f"蹲点调研工作报告-{person.display_name}-{term}.docx",
                      f"semester-report-{term}.docx")


@router.get("/schools/{school_id}/quota-sheet.xlsx", response_class=Response,
            summary="A school's semester sheet of quotas as an Excel workbook",
            responses={200: {"content": {XLSX_TYPE: {}}}})
def quota_sheet(school_id: PathId, session: DB, ctx: Access,
                semester: Annotated[str | None, Query(pattern=SEMESTER_PATTERN)] = None) -> Response:
    term = semester_or_current(semester)
    school = session.get(School, school_id)
    if school is None or school_id not in quota_school_ids(session, ctx, term):
        raise not_found("school")
    rates = pass_rates(session, {school_id})
    content = work_documents.school_xlsx(school_progress(session, school, term), term, rates[0] if rates else None)
    return attachment(content, XLSX_TYPE, f"工作量统计-{school.name}-{term}.xlsx", f"quota-sheet-{term}.xlsx")
