"""The 同课异构 comparison page of a lesson group (two of its lessons side by side)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.access import can_view_group, can_view_lesson
from api.deps import DB
from api.lessons import service as lessons
from api.pages.deps import PageAccess
from api.pages.errors import error_page
from api.pages.rendering import render
from models import LessonGroup
from models.default_rubric import ensure_default_rubric

router = APIRouter(include_in_schema=False)


@router.get("/groups/{group_id}", response_class=HTMLResponse)
def compare_page(group_id: int, request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    group = session.get(LessonGroup, group_id)
    visible = [lesson for lesson in group.lessons if can_view_lesson(ctx, lesson)] \
        if group is not None and can_view_group(ctx, group) else []
    if group is None or not visible:
        return error_page(request, ctx, 404, "error.group_not_found")
    rubric = ensure_default_rubric(session)
    chosen = [int(x) for x in request.query_params.getlist("lesson") if x.isdigit()]
    shown = [lesson for lesson in visible if lesson.id in chosen][:2] or visible[:2]
    return render(request, "compare.html", ctx.user, active="lessons", group=group, lessons=visible, shown=shown,
                  data={"lessons": [lessons.to_out(x).model_dump(mode="json") for x in shown],
                        "dimensions": [{"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en,
                                        "max_score": d.max_score} for d in rubric.dimensions]})
