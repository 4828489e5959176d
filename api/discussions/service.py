"""Threads and posts: access through api.access, @mentions that notify, soft delete, moderation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.access import (
    AccessContext,
    can_moderate_discussions,
    can_read_observation,
    can_view_group,
    can_view_lesson,
    can_view_thread,
    load_context,
)
from api.discussions.schemas import AuthorOut, NoteThreads, PostIn, PostOut, ThreadIn, ThreadOut
from api.errors import APIError, forbidden, not_found
from api.notifications.service import notify
from models import DiscussionPost, DiscussionThread, Lesson, LessonGroup, Note, Observation, User

# "@username": user names are ASCII (letters, digits, _ . -); an e-mail address is not a mention.
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})")
MAX_MENTIONS = 20
PREVIEW = 120


def mentioned_usernames(body: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in MENTION.finditer(body):
        seen.setdefault(match.group(1).rstrip(".-"), None)
    return list(seen)[:MAX_MENTIONS]


# ---- targets and access -------------------------------------------------------------------------

def _check_target(session: Session, ctx: AccessContext, data: ThreadIn) -> None:
    given = [x for x in (data.lesson_id, data.note_id, data.group_id) if x is not None]
    if len(given) != 1:
        raise APIError(422, "one_target", "A thread is about exactly one lesson, note or group.")
    if data.lesson_id is not None:
        lesson = session.get(Lesson, data.lesson_id)
        if lesson is None or not can_view_lesson(ctx, lesson):
            raise not_found("lesson")
    elif data.group_id is not None:
        group = session.get(LessonGroup, data.group_id)
        if group is None or not can_view_group(ctx, group):
            raise not_found("lesson group")
    else:
        note = session.get(Note, data.note_id)
        obs = session.get(Observation, note.observation_id) if note else None
        if obs is None or not (can_view_lesson(ctx, obs.lesson) and can_read_observation(ctx, obs)):
            raise not_found("note")


def get_thread(session: Session, ctx: AccessContext, thread_id: int) -> DiscussionThread:
    thread = session.get(DiscussionThread, thread_id)
    if thread is None or not can_view_thread(ctx, thread):
        raise not_found("thread")
    return thread


def _post_in_visible_thread(session: Session, ctx: AccessContext, post_id: int) -> DiscussionPost:
    post = session.get(DiscussionPost, post_id)
    if post is None:
        raise not_found("post")
    get_thread(session, ctx, post.thread_id)
    return post


# ---- writing ------------------------------------------------------------------------------------

def _notify_mentions(session: Session, thread: DiscussionThread, post: DiscussionPost, author: User,
                     already: set[int]) -> set[int]:
    """Notify each mentioned person who can see the thread (nobody learns of a thread they cannot open)."""
    names = mentioned_usernames(post.body)
    if not names:
        return set()
    users = session.scalars(select(User).where(User.username.in_(names), User.is_active.is_(True)))
    notified: set[int] = set()
    for user in users:
        if user.id == author.id:
            continue
        if not can_view_thread(load_context(session, user), thread):
            continue
        notified.add(user.id)
        if user.id not in already:
            notify(session, user.id, "mention", f"{author.display_name} 在「{thread.title}」中提到了你",
                   thread_link(thread, post), author.id)
    return notified


def thread_link(thread: DiscussionThread, post: DiscussionPost | None = None) -> str:
    return f"/discussions/{thread.id}" + (f"#post-{post.id}" if post else "")


def create_thread(session: Session, ctx: AccessContext, data: ThreadIn) -> DiscussionThread:
    _check_target(session, ctx, data)
    thread = DiscussionThread(lesson_id=data.lesson_id, note_id=data.note_id, group_id=data.group_id,
                              title=data.title, author_id=ctx.user.id)
    session.add(thread)
    session.flush()
    post = DiscussionPost(thread_id=thread.id, author_id=ctx.user.id, body=data.body)
    session.add(post)
    session.flush()
    session.refresh(thread)
    post.mentioned_user_ids = sorted(_notify_mentions(session, thread, post, ctx.user, set()))
    return thread


def add_post(session: Session, ctx: AccessContext, thread: DiscussionThread, data: PostIn) -> DiscussionPost:
    if thread.locked and not can_moderate_discussions(ctx):
        raise APIError(409, "thread_locked", "This thread is locked; no more replies.")
    if data.reply_to_id is not None:
        parent = session.get(DiscussionPost, data.reply_to_id)
        if parent is None or parent.thread_id != thread.id:
            raise APIError(422, "unknown_post", f"Post {data.reply_to_id} is not in this thread.")
    now = datetime.now(UTC)
    post = DiscussionPost(thread_id=thread.id, author_id=ctx.user.id, body=data.body, reply_to_id=data.reply_to_id,
                          created_at=now)
    session.add(post)
    thread.last_post_at = now
    session.flush()
    mentioned = _notify_mentions(session, thread, post, ctx.user, set())
    post.mentioned_user_ids = sorted(mentioned)
    if thread.author_id != ctx.user.id and thread.author_id not in mentioned:
        notify(session, thread.author_id, "reply", f"{ctx.user.display_name} 回复了「{thread.title}」",
               thread_link(thread, post), ctx.user.id)
    return post


def edit_post(session: Session, ctx: AccessContext, post_id: int, body: str) -> DiscussionPost:
    post = _post_in_visible_thread(session, ctx, post_id)
    if post.author_id != ctx.user.id:
        raise forbidden("You may only edit your own posts.")
    if post.deleted_at is not None:
        raise APIError(409, "post_deleted", "A deleted post cannot be edited.")
    thread = session.get(DiscussionThread, post.thread_id)
    assert thread is not None
    if thread.locked:
        raise APIError(409, "thread_locked", "This thread is locked.")
    post.body, post.edited_at = body, datetime.now(UTC)
    before = set(post.mentioned_user_ids or [])
    post.mentioned_user_ids = sorted(before | _notify_mentions(session, thread, post, ctx.user, before))
    return post


def delete_post(session: Session, ctx: AccessContext, post_id: int) -> DiscussionPost:
    """Soft delete: the post stays in place as "deleted" so the replies around it still read."""
    post = _post_in_visible_thread(session, ctx, post_id)
    if post.author_id != ctx.user.id and not can_moderate_discussions(ctx):
        raise forbidden("You may only delete your own posts.")
    if post.deleted_at is None:
        post.deleted_at, post.deleted_by_id = datetime.now(UTC), ctx.user.id
    return post


def set_locked(session: Session, ctx: AccessContext, thread: DiscussionThread, locked: bool) -> DiscussionThread:
    if not can_moderate_discussions(ctx):
        raise forbidden("Only moderators lock threads.")
    thread.locked = locked
    return thread


# ---- reading ------------------------------------------------------------------------------------

def author_out(user: User) -> AuthorOut:
    return AuthorOut(id=user.id, username=user.username, display_name=user.display_name,
                     school_name=user.school.name if user.school else "")


def post_out(ctx: AccessContext, post: DiscussionPost) -> PostOut:
    deleted = post.deleted_at is not None
    mine = post.author_id == ctx.user.id
    return PostOut(
        id=post.id, thread_id=post.thread_id, author=author_out(post.author), reply_to_id=post.reply_to_id,
        body="" if deleted else post.body, mentioned_user_ids=list(post.mentioned_user_ids or []),
        created_at=post.created_at, edited_at=post.edited_at, deleted=deleted,
        deleted_by_moderator=deleted and post.deleted_by_id != post.author_id,
        may_edit=mine and not deleted, may_delete=not deleted and (mine or can_moderate_discussions(ctx)),
    )


def thread_out(session: Session, ctx: AccessContext, thread: DiscussionThread) -> ThreadOut:
    count = session.scalar(select(func.count()).select_from(DiscussionPost)
                           .where(DiscussionPost.thread_id == thread.id)) or 0
    first = session.scalar(select(DiscussionPost).where(DiscussionPost.thread_id == thread.id)
                           .order_by(DiscussionPost.id).limit(1))
    preview = "" if first is None or first.deleted_at is not None else first.body[:PREVIEW]
    return ThreadOut(
        id=thread.id, title=thread.title, lesson_id=thread.lesson_id, note_id=thread.note_id,
        group_id=thread.group_id, author=author_out(thread.author), locked=thread.locked,
        created_at=thread.created_at, last_post_at=thread.last_post_at, post_count=count, preview=preview,
        link=thread_link(thread), may_moderate=can_moderate_discussions(ctx),
    )


def threads_of(session: Session, ctx: AccessContext, *, lesson_id: int | None, note_id: int | None,
               group_id: int | None, limit: int, offset: int) -> tuple[list[DiscussionThread], int]:
    probe = ThreadIn(lesson_id=lesson_id, note_id=note_id, group_id=group_id, title="-", body="-")
    _check_target(session, ctx, probe)
    if lesson_id is not None:
        where = DiscussionThread.lesson_id == lesson_id
    elif group_id is not None:
        where = DiscussionThread.group_id == group_id
    else:
        where = DiscussionThread.note_id == note_id
    total = session.scalar(select(func.count()).select_from(DiscussionThread).where(where)) or 0
    rows = session.scalars(select(DiscussionThread).where(where)
                           .order_by(DiscussionThread.last_post_at.desc(), DiscussionThread.id.desc())
                           .limit(limit).offset(offset))
    return list(rows), total


def note_threads_of_lesson(session: Session, ctx: AccessContext, lesson_id: int) -> list[NoteThreads]:
    """Per note of the lesson that the caller may read and that has threads: how many, and their posts.
    One query for the whole report page instead of one per note."""
    lesson = session.get(Lesson, lesson_id)
    if lesson is None or not can_view_lesson(ctx, lesson):
        raise not_found("lesson")
    posts = (select(DiscussionPost.thread_id, func.count().label("n"))
             .group_by(DiscussionPost.thread_id).subquery())
    rows = session.execute(
        select(DiscussionThread, Observation, func.coalesce(posts.c.n, 0))
        .join(Note, Note.id == DiscussionThread.note_id)
        .join(Observation, Observation.id == Note.observation_id)
        .outerjoin(posts, posts.c.thread_id == DiscussionThread.id)
        .where(Observation.lesson_id == lesson_id)
        .order_by(DiscussionThread.last_post_at.desc(), DiscussionThread.id.desc())
    ).all()
    out: dict[int, NoteThreads] = {}
    for thread, obs, count in rows:
        if thread.note_id is None or not can_read_observation(ctx, obs):
            continue
        seen = out.get(thread.note_id)
        if seen is None:  # rows come latest activity first: the first one is the thread the button opens
            out[thread.note_id] = NoteThreads(note_id=thread.note_id, threads=1, posts=count,
                                              latest_link=thread_link(thread))
        else:
            seen.threads += 1
            seen.posts += count
    return list(out.values())


def posts_of(session: Session, thread: DiscussionThread, limit: int, offset: int
             ) -> tuple[list[DiscussionPost], int]:
    where = DiscussionPost.thread_id == thread.id
    total = session.scalar(select(func.count()).select_from(DiscussionPost).where(where)) or 0
    rows = session.scalars(select(DiscussionPost).where(where).order_by(DiscussionPost.id)
                           .limit(limit).offset(offset))
    return list(rows), total
