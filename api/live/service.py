"""Who may go live or watch, with which relay token; where the live HLS lives and how it is served."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy.orm import Session

from api.access import AccessContext, can_publish_live
from api.audit.service import record_live_watch
from api.errors import APIError, forbidden
from api.live.schemas import PublishGrant, WatchGrant
from api.media.service import signed
from models import Lesson, LessonClassroom, LessonStatus, RoomMode
from models.lifecycle import FINISHED
from tingke import logs
from tingke.settings import get_settings
from tingke.signing import sign_token
from tingke.turn import ice_servers

TOKEN_PURPOSE = "live"  # streaming.auth.TOKEN_PURPOSE
LIVE_HLS_PREFIX = "/media/live/"
# the relay refuses these too (streaming/lesson_store.py: only a scheduled or live lesson is published)


def room_of(lesson: Lesson) -> str:
    """Relay rooms are named by lesson id."""
    return str(lesson.id)


def _classroom_for(ctx: AccessContext, lesson: Lesson) -> LessonClassroom:
    """The dual lesson's classroom this user teaches; managers without one take the master classroom."""
    mine = next((c for c in lesson.classrooms if c.teacher_id == ctx.user.id), None)
    if mine is not None:
        return mine
    if not lesson.classrooms:
        raise APIError(409, "no_classrooms", "This dual lesson has no classrooms yet. 双师课堂尚未设置教室。")
    return lesson.classrooms[0]


def publish_grant(session: Session, ctx: AccessContext, lesson: Lesson) -> PublishGrant:
    """A relay token to publish ``lesson`` (one the caller may see: the route's VisibleLesson)."""
    if not can_publish_live(ctx, lesson):
        raise forbidden("Only the lesson's teacher or a teacher of its classrooms may go live. "
                        "只有授课教师或双师课堂的教师可以开播。")
    if lesson.status in FINISHED:
        raise APIError(409, "lesson_finished", "This lesson has ended and its recording is being processed or "
                                               "ready; it cannot go live again. 本课已结束，不能再次开播。")
    settings = get_settings()
    if lesson.room_mode == RoomMode.dual:
        classroom = _classroom_for(ctx, lesson)
        role, label, master = "classroom", classroom.label, lesson.master_classroom is classroom
    else:
        role, label, master = "publisher", "main", True
    room = room_of(lesson)
    claims = {"room": room, "role": role, "mode": lesson.room_mode.value, "sub": str(ctx.user.id),
              "sv": ctx.user.session_version, "name": ctx.user.display_name, "label": label, "master": master,
              "rid": logs.request_id.get()}  # the relay logs the sessions it admits with this request's id
    ttl = settings.live_token_ttl_seconds
    relay = settings.relay_base
    return PublishGrant(whip_url=f"{relay}/whip/{room}", whep_url=f"{relay}/whep/{room}", relay_url=relay,
                        token=sign_token(TOKEN_PURPOSE, claims, ttl), mode=lesson.room_mode.value, role=role,
                        label=label, master=master, room=room, ice_servers=ice_servers(settings, str(ctx.user.id)),
                        expires_in=ttl)


def live_hls_dir(lesson_id: int) -> Path:
    """Where the relay's feeder writes (``streaming.live_hls.hls_folder``, not imported so that the
    API does not load aiortc)."""
    return get_settings().media_root / "live" / str(lesson_id) / "hls"


def hls_uri(lesson_id: int, playlist: str = "master.m3u8") -> str:
    return f"{LIVE_HLS_PREFIX}{lesson_id}/hls/{playlist}"


def hls_ended(lesson_id: int) -> bool:
    """Every variant playlist carries ENDLIST: the live HLS is now a complete replay."""
    folder = live_hls_dir(lesson_id)
    playlists = [p for p in folder.glob("*/index.m3u8")]
    return bool(playlists) and all("#EXT-X-ENDLIST" in p.read_text(errors="replace") for p in playlists)


def watch_grant(session: Session, ctx: AccessContext, lesson: Lesson) -> WatchGrant:
    """A relay token and signed live-HLS links to watch ``lesson`` (one the caller may see)."""
    ready = (live_hls_dir(lesson.id) / "master.m3u8").is_file()
    if lesson.status == LessonStatus.ready:
        raise APIError(409, "lesson_ready", "This lesson is over and its recording is ready: watch it on the "
                                            "lesson page. 本课录像已就绪，请在课程页面观看。")
    settings = get_settings()
    room = room_of(lesson)
    claims = {"room": room, "role": "viewer", "mode": lesson.room_mode.value, "sub": str(ctx.user.id),
              "sv": ctx.user.session_version, "name": ctx.user.display_name, "label": "",
              "rid": logs.request_id.get()}
    ttl = settings.live_token_ttl_seconds
    relay = settings.relay_base
    expires = int(time.time()) + settings.media_url_ttl_seconds
    viewer = ctx.user.id
    record_live_watch(session, viewer, lesson.id)
    return WatchGrant(whep_url=f"{relay}/whep/{room}", hls_url=signed(hls_uri(lesson.id), expires, viewer),
                      hls_audio_url=signed(hls_uri(lesson.id, "audio/index.m3u8"), expires, viewer),
                      token=sign_token(TOKEN_PURPOSE, claims, ttl), room=room, mode=lesson.room_mode.value,
                      relay_url=relay, ice_servers=ice_servers(settings, str(ctx.user.id)), status=lesson.status.value,
                      hls_ready=ready, hls_ended=ready and hls_ended(lesson.id), expires_in=ttl)


def live_hls_file(lesson_id: int, name: str) -> Path | None:
    """A file of the lesson's live HLS folder (playlists and segments only, nothing outside it)."""
    folder = live_hls_dir(lesson_id).resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(folder) or path.suffix not in (".m3u8", ".ts") or not path.is_file():
        return None
    if any(part.startswith(".") for part in path.relative_to(folder).parts):
        return None
    return path
