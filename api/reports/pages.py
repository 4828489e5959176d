"""The report pages: a lesson's report (drawn by web/static/js/report.js from GET /api/lessons/{id}/report)
and the work reports page (the researchers' Word reports and the schools' quota sheets to download)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from api.access import can_correct_transcript, quota_school_ids
from api.deps import DB
from api.pages.deps import PageAccess
from api.pages.errors import lesson_or_error_page
from api.pages.rendering import render
from api.pages.semesters import semester_from_query, semesters_around
from models import School, User, UserRole
from tingke.timezone import today as local_today

router = APIRouter(include_in_schema=False)


@router.get("/lessons/{lesson_id}/report", response_class=HTMLResponse)
def report_page(lesson_id: int, request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    lesson = lesson_or_error_page(request, session, ctx, lesson_id)
    if isinstance(lesson, HTMLResponse):
        return lesson
    return render(request, "report.html", ctx.user, active="lessons", lesson=lesson,
                  data={"lesson_id": lesson.id, "length_seconds": lesson.length_seconds,
                        "may_correct": can_correct_transcript(ctx, lesson)})


@router.get("/work-reports", response_class=HTMLResponse)
def work_reports_page(request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    term = semester_from_query(request)
    researchers = list(session.scalars(select(User).where(User.role == UserRole.researcher).order_by(User.id))) \
        if ctx.is_admin else ([ctx.user] if ctx.user.role == UserRole.researcher else [])
    school_ids = quota_school_ids(session, ctx, term)
    schools = list(session.scalars(select(School).where(School.id.in_(school_ids or {-1})).order_by(School.id)))
    return render(request, "work_reports.html", ctx.user, active="work", tab="reports", semester=term,
                  semesters=semesters_around(term), researchers=researchers, schools=schools,
                  month=local_today().strftime("%Y-%m"))
