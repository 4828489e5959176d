"""Poll pages: the host panel (create, open/close, live results) and the participant page at /p/{code}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from api.access import can_host_on_group, can_host_on_lesson, can_host_training
from api.deps import DB
from api.errors import APIError
from api.pages.deps import PageAccess
from api.pages.rendering import render
from api.polls import service
from api.types import MAX_ID

router = APIRouter(include_in_schema=False)
PageId = Annotated[int, Path(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def _missing(request: Request, ctx: PageAccess, key: str = "poll.not_found") -> HTMLResponse:
    return render(request, "talk_missing.html", ctx.user, status_code=404, message_key=key)


@router.get("/polls", response_class=HTMLResponse)
def my_polls(request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    rows, total = service.hosted_by(session, ctx, 100, 0)
    return render(request, "polls.html", ctx.user, active="polls", polls=rows, total=total,
                  may_host_training=can_host_training(ctx))


@router.get("/polls/new", response_class=HTMLResponse)
def poll_new(request: Request, session: DB, ctx: PageAccess, lesson: OptionalId = None,
             group: OptionalId = None) -> HTMLResponse:
    """A poll for a lesson, a 同课异构 group, or (without either) a training."""
    try:
        target = {"lesson_id": lesson, "group_id": group}
        if lesson is not None:
            may, about = can_host_on_lesson(ctx, (row := service.lesson_for_polls(session, ctx, lesson))), row.title
        elif group is not None:
            may, about = can_host_on_group(ctx, (grp := service.group_for_polls(session, ctx, group))), grp.topic
        else:
            may, about = can_host_training(ctx), ""
    except APIError:
        return _missing(request, ctx, "poll.target_not_found")
    if not may:
        return render(request, "talk_missing.html", ctx.user, status_code=403, message_key="poll.may_not_host")
    return render(request, "poll_new.html", ctx.user, active="polls", target=target, about=about)


@router.get("/polls/{poll_id}/host", response_class=HTMLResponse)
def poll_host(poll_id: PageId, request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    try:
        poll = service.get_visible(session, ctx, poll_id)
    except APIError:
        return _missing(request, ctx)
    out, results = service.to_out(ctx, poll), service.results(session, poll)
    join_url = str(request.base_url).rstrip("/") + out.join_path
    data = {"poll": out.model_dump(mode="json"), "results": results.model_dump(mode="json")}
    return render(request, "poll_host.html", ctx.user, active="polls", poll=out, join_url=join_url,
                  results=results, data=data)


@router.get("/p", response_class=HTMLResponse)
def poll_join(request: Request, ctx: PageAccess) -> HTMLResponse:
    """Type the code the host shows (for phones that cannot scan the link)."""
    return render(request, "poll_join.html", ctx.user)


@router.get("/p/{code}", response_class=HTMLResponse)
def poll_answer(request: Request, session: DB, ctx: PageAccess,
                code: Annotated[str, Path(min_length=4, max_length=12, pattern="^[A-Za-z0-9]+$")]) -> HTMLResponse:
    """The short link participants type or scan: big touch targets, answers changeable until the poll closes."""
    try:
        poll = service.by_code(session, ctx, code)
    except APIError:
        return _missing(request, ctx)
    out, results = service.to_out(ctx, poll), service.results(session, poll)
    data = {"poll": out.model_dump(mode="json"), "results": results.model_dump(mode="json"),
            "mine": [m.model_dump(mode="json") for m in service.my_answers(session, poll, ctx.user.id)]}
    return render(request, "poll_answer.html", ctx.user, poll=out, results=results, data=data)
