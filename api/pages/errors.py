"""Error pages: a lesson that does not exist looks the same as one the user may not see."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.access import AccessContext
from api.deps import DB
from api.errors import APIError
from api.lessons import service as lessons
from api.pages.rendering import render
from models import Lesson


def error_page(request: Request, ctx: AccessContext, status: int, message_key: str, **values: str) -> HTMLResponse:
    """The error page saying ``message_key`` (its {placeholders} filled from ``values``)."""
    return render(request, "error.html", ctx.user, status_code=status, message_key=message_key,
                  message_values={k: v for k, v in values.items() if k != "key"})


def lesson_or_error_page(request: Request, session: DB, ctx: AccessContext, lesson_id: int) -> Lesson | HTMLResponse:
    try:
        return lessons.get_visible(session, ctx, lesson_id)
    except APIError:
        return error_page(request, ctx, 404, "error.lesson_not_found")
