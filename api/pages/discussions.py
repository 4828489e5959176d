"""Discussion pages: one thread (replies, edit, delete) and my notifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from api.deps import DB
from api.discussions import service
from api.errors import APIError
from api.pages.deps import PageAccess
from api.pages.rendering import render
from api.types import MAX_ID
from models import Lesson

router = APIRouter(include_in_schema=False)


@router.get("/discussions/{thread_id}", response_class=HTMLResponse)
def thread_page(thread_id: Annotated[int, Path(ge=1, le=MAX_ID)], request: Request, session: DB,
                ctx: PageAccess) -> HTMLResponse:
    try:
        thread = service.get_thread(session, ctx, thread_id)
    except APIError:
        return render(request, "talk_missing.html", ctx.user, status_code=404, message_key="disc.not_found")
    if thread.lesson is not None:
        about, back = thread.lesson.title, f"/lessons/{thread.lesson_id}"
    elif thread.group is not None:
        about, back = thread.group.topic, f"/groups/{thread.group_id}"
    else:
        obs = thread.note_observation
        lesson: Lesson | None = obs.lesson if obs else None
        about, back = (lesson.title, f"/lessons/{lesson.id}/report") if lesson else ("", "/")  # notes show there
    return render(request, "discussion.html", ctx.user, thread=service.thread_out(session, ctx, thread),
                  about=about, back=back)


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(request: Request, ctx: PageAccess) -> HTMLResponse:
    return render(request, "notifications.html", ctx.user, active="notifications")
