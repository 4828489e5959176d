"""The relay's few database reads and writes: may a lesson be published, a lesson goes live, and its
recordings are registered.

Called from the room's lifecycle (never per packet) and always in a worker thread
(``asyncio.to_thread``) so a slow database never delays forwarding.

A publisher token outlives the lesson it was issued for (it is valid for minutes), so the database,
not the token, says whether a lesson may still be published: only a scheduled or live lesson is.
A finished lesson (processing, ready, failed) never goes back to live here (only its teacher's explicit
resume in the API does, api/live/resume.py), and a recording registered for a lesson that already has one
is one more part of it, never a replacement. This module is the one owner of ``live_ended_at``: the
moment a live part was registered, from which the resume window counts.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from models import Lesson, LessonStatus, MediaAsset, MediaKind, User, lifecycle
from models.db import session_scope
from models.lifecycle import PUBLISHABLE
from streaming.auth import LiveClaims
from streaming.errors import RelayError
from streaming.recording import RecordingSummary
from tingke import jobs_client
from tingke.settings import get_settings

log = logging.getLogger(__name__)

CONTENT_TYPES = {"mpegts": "application/vnd.apple.mpegurl", "matroska": "text/plain"}

LESSON_FINISHED = ("本课已结束，录像已保存，不能再次开播。This lesson has ended and its recording is kept; "
                   "it cannot go live again.")


def lesson_key(room: str) -> int | None:
    """The lesson id behind a room id (rooms are named by lesson id)."""
    return int(room) if room.isdigit() else None


def check_publishable(room: str) -> float:
    """Refuse a publisher for a lesson that is not scheduled or live (409 ``lesson_finished``), or
    that does not exist (404). A room that is not named by a lesson id is not the database's.

    Returns the seconds already recorded for the lesson (its earlier parts): a resumed lesson's clock
    continues from there."""
    lesson_id = lesson_key(room)
    if lesson_id is None:
        return 0.0
    try:
        with session_scope(get_settings().db_url) as session:
            lesson = session.get(Lesson, lesson_id)
            status = None if lesson is None else lesson.status
            earlier = recorded_seconds(session, lesson_id) if lesson is not None else 0.0
    except SQLAlchemyError as exc:
        log.exception("room %s: could not ask the database whether the lesson may be published", room)
        raise RelayError(503, "lesson_store_unavailable", "暂时无法确认课程状态，请稍后重试。The relay could not "
                         "check the lesson's status; try again in a moment.", {"Retry-After": "5"}) from exc
    if status is None:
        raise RelayError(404, "no_lesson", "没有这节课。There is no such lesson.")
    if status not in PUBLISHABLE:
        raise RelayError(409, "lesson_finished", LESSON_FINISHED)
    return earlier


TOKEN_REVOKED = ("你已退出登录、修改了密码或账号已停用，请重新登录后再进入直播。You signed out, your password changed "
                 "or your account was deactivated since this live token was issued; sign in again.")


def check_holder(claims: LiveClaims) -> None:
    """Refuse (401 ``token_revoked``) a live token whose holder signed out, changed or was given a new password,
    or was deactivated since it was issued: the token is valid for minutes, the person's session is the truth.
    A token issued before tokens named the session version (no ``sv``) is refused only for a deactivated
    holder. Rooms not named by a lesson id are not the database's (tests, benchmarks)."""
    if lesson_key(claims.room) is None or not claims.sub.isdigit():
        return
    try:
        with session_scope(get_settings().db_url) as session:
            user = session.get(User, int(claims.sub))
            state = None if user is None else (user.is_active, user.session_version)
    except SQLAlchemyError as exc:
        log.exception("room %s: could not ask the database whether the live token's holder is signed in", claims.room)
        raise RelayError(503, "lesson_store_unavailable", "暂时无法确认登录状态，请稍后重试。The relay could not "
                         "check the token's holder; try again in a moment.", {"Retry-After": "5"}) from exc
    challenge = {"WWW-Authenticate": 'Bearer realm="tingke-relay"'}
    if claims.sv is None:
        if state is not None and not state[0]:
            raise RelayError(401, "token_revoked", TOKEN_REVOKED, challenge)
        return
    if state is None or not state[0] or state[1] != claims.sv:
        raise RelayError(401, "token_revoked", TOKEN_REVOKED, challenge)


def mark_live(room: str) -> bool:
    """Set a scheduled lesson's status to live; False when the room is not a known lesson, or the
    lesson has finished meanwhile (a finished lesson is never reopened). A resume is now used: the
    publisher came back (``live_resumed_at`` cleared, so the sweeper leaves the lesson alone)."""
    lesson_id = lesson_key(room)
    if lesson_id is None:
        return False
    with session_scope(get_settings().db_url) as session:
        changed = lifecycle.move_where(session, lesson_id, LessonStatus.live, only_from=PUBLISHABLE,
                                       live_resumed_at=None)
    if not changed:
        log.warning("room %s: no scheduled or live lesson with that id; not marking it live", room)
    return bool(changed)


def register_recordings(room: str, recordings: list[RecordingSummary]) -> list[int]:
    """Create one live_recording MediaAsset per publisher label, set the lesson to processing
    and queue its processing job. Returns the asset ids.

    A label that was recorded before (the relay restarted mid-lesson) gets one more part: earlier
    assets are never changed or removed, and processing joins every part (workers/media/parts.py)."""
    lesson_id = lesson_key(room)
    if lesson_id is None or not recordings:
        return []
    media_root = get_settings().media_root
    with session_scope(get_settings().db_url) as session:
        lesson = session.get(Lesson, lesson_id)
        if lesson is None:
            log.warning("room %s: no lesson with that id; recordings stay unregistered on disk", room)
            return []
        assets = []
        known = {path: asset_id for path, asset_id in session.execute(
            select(MediaAsset.path, MediaAsset.id).where(MediaAsset.lesson_id == lesson_id,
                                                         MediaAsset.kind == MediaKind.live_recording))}
        fresh = [rec for rec in recordings if str(rec.playlist.relative_to(media_root)) not in known]
        if not fresh:  # registered already (a recovery that was interrupted after registering)
            return [known[str(rec.playlist.relative_to(media_root))] for rec in recordings]
        for rec in fresh:
            asset = MediaAsset(
                lesson_id=lesson_id,
                kind=MediaKind.live_recording,
                path=str(rec.playlist.relative_to(media_root)),
                content_type=CONTENT_TYPES.get(rec.format, "application/octet-stream"),
                bytes=rec.bytes,
                duration_seconds=rec.duration_seconds,
                label=rec.label,
                meta={"format": rec.format, "segments": rec.segments, "gaps": rec.gaps, "codecs": rec.codecs},
            )
            session.add(asset)
            assets.append(asset)
        lesson.live_ended_at = datetime.now(UTC)
        session.flush()
        lesson.media_duration_seconds = recorded_seconds(session, lesson_id)
        ids = [asset.id for asset in assets]
        jobs_client.process(session, lesson)
    return ids


def recorded_seconds(session: Session, lesson_id: int) -> float:
    """The lesson clock's length: the longest label's parts together (each on its own timeline)."""
    per_label: dict[str, float] = {}
    for label, seconds in session.execute(
        select(MediaAsset.label, MediaAsset.duration_seconds)
        .where(MediaAsset.lesson_id == lesson_id, MediaAsset.kind == MediaKind.live_recording)
    ):
        per_label[label] = per_label.get(label, 0.0) + float(seconds or 0.0)
    return round(max(per_label.values(), default=0.0), 3)


def release_unrecorded(room: str) -> None:
    """A room ended with nothing recorded: its lesson must not stay live. With earlier recordings it
    is processed as they are; with none it is scheduled again (it was never held)."""
    lesson_id = lesson_key(room)
    if lesson_id is None:
        return
    with session_scope(get_settings().db_url) as session:
        lesson = session.get(Lesson, lesson_id)
        if lesson is None or lesson.status != LessonStatus.live:
            return
        recorded = session.scalar(select(MediaAsset.id).where(
            MediaAsset.lesson_id == lesson_id, MediaAsset.kind.in_([MediaKind.live_recording, MediaKind.upload]))
            .limit(1))
        if recorded is None:
            lifecycle.move(lesson, LessonStatus.scheduled)
            log.warning("room %s ended with nothing recorded; the lesson is scheduled again", room)
            return
        lesson.live_ended_at = datetime.now(UTC)
        lesson.media_duration_seconds = recorded_seconds(session, lesson_id) or lesson.media_duration_seconds
        session.flush()
        jobs_client.process(session, lesson)
