"""Threads and posts as the API accepts and shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.pagination import Page
from api.types import DbId

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)
MAX_BODY = 5000


class ThreadIn(BaseModel):
    model_config = Strict
    lesson_id: DbId | None = None
    note_id: DbId | None = None
    group_id: DbId | None = None
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=MAX_BODY, description="the opening post; @username mentions")


class PostIn(BaseModel):
    model_config = Strict
    body: str = Field(min_length=1, max_length=MAX_BODY)
    reply_to_id: DbId | None = None


class PostPatch(BaseModel):
    model_config = Strict
    body: str = Field(min_length=1, max_length=MAX_BODY)


class LockIn(BaseModel):
    model_config = Strict
    locked: bool


class AuthorOut(BaseModel):
    id: int
    username: str
    display_name: str
    school_name: str


class PostOut(BaseModel):
    id: int
    thread_id: int
    author: AuthorOut
    reply_to_id: int | None
    body: str = Field(description="empty once deleted")
    mentioned_user_ids: list[int]
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    deleted_by_moderator: bool
    may_edit: bool
    may_delete: bool


class ThreadOut(BaseModel):
    id: int
    title: str
    lesson_id: int | None
    note_id: int | None
    group_id: int | None
    author: AuthorOut
    locked: bool
    created_at: datetime
    last_post_at: datetime
    post_count: int
    preview: str
    link: str
    may_moderate: bool


class NoteThreads(BaseModel):
    """What the report page's 讨论 button needs to say that a note is already being discussed."""
    note_id: int
    threads: int
    posts: int = Field(description="posts of all the note's threads, deleted ones included")
    latest_link: str = Field(description="the most recently active thread, the one the button opens")


class ThreadDetail(BaseModel):
    thread: ThreadOut
    posts: Page[PostOut]
