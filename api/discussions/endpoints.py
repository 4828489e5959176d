"""Discussion threads (网络教研): list and start threads on a lesson, note or group; reply, edit, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import DB, Access
from api.discussions import service
from api.discussions.schemas import (
    LockIn,
    NoteThreads,
    PostIn,
    PostOut,
    PostPatch,
    ThreadDetail,
    ThreadIn,
    ThreadOut,
)
from api.pagination import Page, Paging
from api.types import MAX_ID, PathId

router = APIRouter(prefix="/api", tags=["discussions"])
TargetId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("/discussions", response_model=Page[ThreadOut])
def list_threads(session: DB, ctx: Access, paging: Paging, lesson: TargetId = None, note: TargetId = None,
                 group: TargetId = None) -> Page[ThreadOut]:
    """The threads about one lesson, note or group (exactly one of them), latest activity first."""
    rows, total = service.threads_of(session, ctx, lesson_id=lesson, note_id=note, group_id=group,
                                     limit=paging.limit, offset=paging.offset)
    return Page(items=[service.thread_out(session, ctx, t) for t in rows], total=total, **paging.model_dump())


@router.get("/lessons/{lesson_id}/note-discussions", response_model=list[NoteThreads])
def note_discussions(lesson_id: PathId, session: DB, ctx: Access) -> list[NoteThreads]:
    """For the report page: which notes of the lesson already have threads (only notes the caller may read)."""
    return service.note_threads_of_lesson(session, ctx, lesson_id)


@router.post("/discussions", response_model=ThreadOut, status_code=201)
def create_thread(data: ThreadIn, session: DB, ctx: Access) -> ThreadOut:
    return service.thread_out(session, ctx, service.create_thread(session, ctx, data))


@router.get("/discussions/{thread_id}", response_model=ThreadDetail)
def get_thread(thread_id: PathId, session: DB, ctx: Access, paging: Paging) -> ThreadDetail:
    """The thread and a page of its posts, oldest first (deleted posts stay as placeholders)."""
    thread = service.get_thread(session, ctx, thread_id)
    rows, total = service.posts_of(session, thread, paging.limit, paging.offset)
    return ThreadDetail(thread=service.thread_out(session, ctx, thread),
                        posts=Page(items=[service.post_out(ctx, p) for p in rows], total=total,
                                   **paging.model_dump()))


@router.post("/discussions/{thread_id}/posts", response_model=PostOut, status_code=201)
def reply(thread_id: PathId, data: PostIn, session: DB, ctx: Access) -> PostOut:
    thread = service.get_thread(session, ctx, thread_id)
    return service.post_out(ctx, service.add_post(session, ctx, thread, data))


@router.post("/discussions/{thread_id}/lock", response_model=ThreadOut)
def lock_thread(thread_id: PathId, data: LockIn, session: DB, ctx: Access) -> ThreadOut:
    thread = service.set_locked(session, ctx, service.get_thread(session, ctx, thread_id), data.locked)
    return service.thread_out(session, ctx, thread)


@router.patch("/discussion-posts/{post_id}", response_model=PostOut)
def edit_post(post_id: PathId, data: PostPatch, session: DB, ctx: Access) -> PostOut:
    return service.post_out(ctx, service.edit_post(session, ctx, post_id, data.body))


@router.delete("/discussion-posts/{post_id}", status_code=204)
def delete_post(post_id: PathId, session: DB, ctx: Access) -> Response:
    service.delete_post(session, ctx, post_id)
    return Response(status_code=204)
