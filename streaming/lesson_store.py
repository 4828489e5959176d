"""The relay's few database writes: a lesson goes live, and its recordings are registered.

Called from the room's lifecycle (never per packet) and always in a worker thread
(``asyncio.to_thread``) so a slow database never delays forwarding.
"""

from __future__ import annotations

import logging

from models import Lesson, LessonStatus, MediaAsset, MediaKind
from models.db import session_scope
from streaming.recording import RecordingSummary
from tingke import jobs_client
from tingke.settings import get_settings

log = logging.getLogger(__name__)

CONTENT_TYPES = {"mpegts": "application/vnd.apple.mpegurl", "matroska": "text/plain"}


def lesson_key(room: str) -> int | None:
    """The lesson id behind a room id (rooms are named by lesson id)."""
    return int(room) if room.isdigit() else None


def mark_live(room: str) -> bool:
    """Set the lesson's status to live; False when the room is not a known lesson."""
    lesson_id = lesson_key(room)
    if lesson_id is None:
        return False
    with session_scope(get_settings().db_url) as session:
        lesson = session.get(Lesson, lesson_id)
        if lesson is None:
            log.warning("room %s: no lesson with that id; not marking it live", room)
            return False
        lesson.status = LessonStatus.live
    return True


def register_recordings(room: str, recordings: list[RecordingSummary]) -> list[int]:
    """Create one live_recording MediaAsset per publisher label, set the lesson to processing
    and queue its processing job. Returns the asset ids."""
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
        for rec in recordings:
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
        lesson.status = LessonStatus.processing
        lesson.media_duration_seconds = max(rec.duration_seconds for rec in recordings)
        session.flush()
        ids = [asset.id for asset in assets]
        jobs_client.queue_job(session, lesson_id, "process_lesson")
    return ids
