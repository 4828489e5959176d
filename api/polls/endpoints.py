"""Polls: host (create, open, close), answer, results, and the live results stream (server-sent events).

The stream is fed by this process's :class:`api.polls.live.PollHub`, which reads ``Poll.version`` from the
database twice a second per watched poll, so any number of API processes behind a proxy serve it without a
message broker.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from api.access import AccessContext, can_host_on_group, can_host_on_lesson
from api.deps import DB, Access
from api.pagination import Paging
from api.polls import service
from api.polls.deps import VisiblePoll
from api.polls.live import PollHub
from api.polls.schemas import (
    AnswersIn,
    MyAnswerOut,
    PollIn,
    PollList,
    PollOut,
    PollSummary,
    QuestionPatch,
    ResultsOut,
)
from api.types import PathId
from models import Poll, PollState

router = APIRouter(prefix="/api", tags=["polls"])

HEARTBEAT = 15.0  # seconds: a comment line keeps proxies and phones from closing an idle stream
MAX_STREAM = 300.0  # seconds: then the stream ends and EventSource reconnects (bounds a server's shutdown)
Code = Annotated[str, Path(min_length=4, max_length=12, pattern="^[A-Za-z0-9]+$")]


def _summary(session: Session, ctx: AccessContext, poll: Poll) -> PollSummary:
    return PollSummary(poll=service.to_out(ctx, poll), results=service.results(session, poll))


@router.post("/polls", response_model=PollOut, status_code=201)
def create_poll(data: PollIn, session: DB, ctx: Access) -> PollOut:
    poll = service.create(session, ctx, data)
    session.refresh(poll)
    return service.to_out(ctx, poll)


@router.get("/polls", response_model=PollList)
def my_polls(session: DB, ctx: Access, paging: Paging) -> PollList:
    """The polls I host, newest first (the host panel's list)."""
    rows, total = service.hosted_by(session, ctx, paging.limit, paging.offset)
    return PollList(items=[_summary(session, ctx, p) for p in rows], total=total, **paging.model_dump())


@router.get("/polls/by-code/{code}", response_model=PollOut)
def poll_by_code(code: Code, session: DB, ctx: Access) -> PollOut:
    return service.to_out(ctx, service.by_code(session, ctx, code))


@router.get("/polls/{poll_id}", response_model=PollOut)
def get_poll(poll: VisiblePoll, ctx: Access) -> PollOut:
    return service.to_out(ctx, poll)


@router.patch("/polls/{poll_id}/questions/{question_id}", response_model=PollOut,
              responses={409: {"description": "the poll already has answers (code poll_answered)"}})
def edit_question(poll: VisiblePoll, question_id: PathId, data: QuestionPatch, session: DB, ctx: Access) -> PollOut:
    """Change a question's wording or options: the poll's creator, until the first answer arrives."""
    poll = service.edit_question(session, ctx, poll, question_id, data)
    return service.to_out(ctx, poll)


@router.delete("/polls/{poll_id}", status_code=204)
def delete_poll(poll_id: PathId, session: DB, ctx: Access) -> Response:
    service.delete(session, service.get_run(session, ctx, poll_id))
    return Response(status_code=204)


@router.post("/polls/{poll_id}/open", response_model=PollOut)
def open_poll(poll_id: PathId, session: DB, ctx: Access) -> PollOut:
    poll = service.set_state(session, service.get_run(session, ctx, poll_id), PollState.open)
    return service.to_out(ctx, poll)


@router.post("/polls/{poll_id}/close", response_model=PollOut)
def close_poll(poll_id: PathId, session: DB, ctx: Access) -> PollOut:
    poll = service.set_state(session, service.get_run(session, ctx, poll_id), PollState.closed)
    return service.to_out(ctx, poll)


@router.put("/polls/{poll_id}/answers", response_model=list[MyAnswerOut])
def answer_poll(poll: VisiblePoll, data: AnswersIn, session: DB, ctx: Access) -> list[MyAnswerOut]:
    """Answer one or more questions; answering a question again replaces the earlier answer."""
    return service.answer(session, ctx, poll, data.answers)


@router.get("/polls/{poll_id}/answers/mine", response_model=list[MyAnswerOut])
def my_answers(poll: VisiblePoll, session: DB, ctx: Access) -> list[MyAnswerOut]:
    return service.my_answers(session, poll, ctx.user.id)


@router.get("/polls/{poll_id}/results", response_model=ResultsOut)
def poll_results(poll: VisiblePoll, session: DB) -> ResultsOut:
    return service.results(session, poll)


@router.get("/lessons/{lesson_id}/polls", response_model=PollList)
def lesson_polls(lesson_id: PathId, session: DB, ctx: Access, paging: Paging) -> PollList:
    lesson = service.lesson_for_polls(session, ctx, lesson_id)
    rows, total = service.polls_of(session, lesson_id=lesson.id, limit=paging.limit, offset=paging.offset)
    return PollList(items=[_summary(session, ctx, p) for p in rows], total=total,
                    may_host=can_host_on_lesson(ctx, lesson), **paging.model_dump())


@router.get("/lesson-groups/{group_id}/polls", response_model=PollList)
def group_polls(group_id: PathId, session: DB, ctx: Access, paging: Paging) -> PollList:
    group = service.group_for_polls(session, ctx, group_id)
    rows, total = service.polls_of(session, group_id=group.id, limit=paging.limit, offset=paging.offset)
    return PollList(items=[_summary(session, ctx, p) for p in rows], total=total,
                    may_host=can_host_on_group(ctx, group), **paging.model_dump())


# ---- live results -------------------------------------------------------------------------------

def _event(name: str, data: str, event_id: int | None = None) -> bytes:
    head = f"event: {name}\n" + (f"id: {event_id}\n" if event_id is not None else "")
    return (head + f"data: {data}\n\n").encode()


def _hub(request: Request) -> PollHub:
    """One hub per application (and so per event loop and process)."""
    hub = getattr(request.app.state, "poll_hub", None)
    if hub is None:
        hub = request.app.state.poll_hub = PollHub(request.app.state.sessionmaker)
    return hub


async def _stream(request: Request, poll_id: int, live: bool) -> AsyncIterator[bytes]:
    yield b"retry: 2000\n\n"  # the browser reconnects after 2 s if the connection drops
    started = time.monotonic()
    async with _hub(request).subscribe(poll_id) as updates:
        while time.monotonic() - started < MAX_STREAM:
            try:
                update = await asyncio.wait_for(updates.get(), timeout=HEARTBEAT)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                yield b": keep-alive\n\n"
                continue
            if update is None:
                yield _event("gone", "{}")
                return
            version, payload = update
            yield _event("results", payload, version)
            if not live:
                return


@router.get("/polls/{poll_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "results on every change"}})
def poll_events(poll: VisiblePoll, request: Request, session: DB) -> StreamingResponse:
    """Server-sent events: an ``event: results`` with the whole results now and after every change.

    The stream stays open only for clients that ask for it (``Accept: text/event-stream``, as EventSource
    does); any other client gets the current results as one event and the response ends."""
    poll_id = poll.id
    session.commit()  # give the connection back before the long response
    live = "text/event-stream" in request.headers.get("accept", "")
    return StreamingResponse(
        _stream(request, poll_id, live), media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
