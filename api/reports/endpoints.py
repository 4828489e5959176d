"""Lesson report downloads; whoever may view the lesson may download what they may read of it."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Response

from api.deps import DB, Access
from api.lessons.service import get_visible
from api.reports import service

router = APIRouter(prefix="/api", tags=["reports"])


def _attachment(content: bytes, media_type: str, filename: str) -> Response:
    # RFC 5987 name for Chinese titles, plus an ASCII fallback.
    disposition = f"attachment; filename=\"lesson-report{filename[filename.rfind('.'):]}\"; " \
                  f"filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/lessons/{lesson_id}/report.docx", summary="The 听课记录 of a lesson as a Word document",
            response_class=Response, responses={200: {"content": {service.DOCX_TYPE: {}}}})
def report_docx(lesson_id: int, session: DB, ctx: Access) -> Response:
    lesson = get_visible(session, ctx, lesson_id)
    content = service.build_docx(session, service.collect(session, ctx, lesson))
    return _attachment(content, service.DOCX_TYPE, f"听课记录-{lesson.title}.docx")


@router.get("/lessons/{lesson_id}/report.xlsx", summary="All scores of a lesson as an Excel workbook",
            response_class=Response, responses={200: {"content": {service.XLSX_TYPE: {}}}})
def report_xlsx(lesson_id: int, session: DB, ctx: Access) -> Response:
    lesson = get_visible(session, ctx, lesson_id)
    content = service.build_xlsx(session, service.collect(session, ctx, lesson))
    return _attachment(content, service.XLSX_TYPE, f"评分表-{lesson.title}.xlsx")
