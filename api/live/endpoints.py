"""Going live and watching: relay tokens, and the live HLS served with signed, expiring URLs.

The live HLS uses the media API's signing (nginx ``secure_link`` format over the lesson's media scope,
every playlist line given the playlist's query) but is served by its own route because its playlists grow:
they must never be cached, while /media/ playlists of finished lessons are.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from api.access import can_publish_live
from api.audit.media import note_media_access
from api.deps import DB, Access
from api.errors import APIError, forbidden
from api.lessons.deps import VisibleLesson
from api.live import audience, resume, service
from api.live.schemas import LiveAudience, PublishGrant, ResumeWindow, WatchGrant
from api.media import serving
from api.media.service import sign_playlist
from tingke.signing import check_media_url

router = APIRouter(tags=["live"])


@router.post("/api/lessons/{lesson_id}/live", response_model=PublishGrant)
def go_live(lesson: VisibleLesson, session: DB, ctx: Access) -> PublishGrant:
    """A WHIP URL and a short-lived publisher token (a classroom token for a dual lesson).
    Ask again for a fresh token to reconnect."""
    return service.publish_grant(session, ctx, lesson)


@router.post("/api/lessons/{lesson_id}/live/resume", response_model=PublishGrant)
def resume_live(lesson: VisibleLesson, session: DB, ctx: Access) -> PublishGrant:
    """Go live again after the lesson ended (by mistake), within ``live_resume_minutes`` of its end:
    the new part is appended to the same recording. 409 ``resume_window_over`` after the window."""
    return resume.resume(session, ctx, lesson)


@router.get("/api/lessons/{lesson_id}/live/resume", response_model=ResumeWindow)
def resume_window(lesson: VisibleLesson, ctx: Access) -> ResumeWindow:
    """Whether this user may resume the lesson now, and for how long still (the panel's button)."""
    return resume.window(ctx, lesson)


@router.post("/api/lessons/{lesson_id}/live/watch", response_model=WatchGrant)
def watch_live(lesson: VisibleLesson, session: DB, ctx: Access) -> WatchGrant:
    """A WHEP URL and viewer token for low-delay watching, and the signed live HLS URL for the crowd."""
    return service.watch_grant(session, ctx, lesson)


@router.get("/api/lessons/{lesson_id}/live/audience", response_model=LiveAudience)
def live_audience(lesson: VisibleLesson, ctx: Access) -> LiveAudience:
    """How many are watching the live HLS now (the broadcaster adds the relay's WebRTC viewers)."""
    if not can_publish_live(ctx, lesson):
        raise forbidden("Only the lesson's teachers see who is watching. 只有授课教师可以查看观看人数。")
    return LiveAudience(hls_viewers=audience.watching(lesson.id))


@router.get("/media/live/{lesson_id}/hls/{name:path}", include_in_schema=False)
@router.head("/media/live/{lesson_id}/hls/{name:path}", include_in_schema=False)
async def live_hls(lesson_id: int, name: str, request: Request, md5: str | None = None, expires: str | None = None,
                   v: str | None = None) -> Response:
    """Served from the media threads, not the request threads (see api/media/serving.py)."""
    return await serving.in_media_thread(_live_hls_response, lesson_id, name, request, md5, expires, v)


def _live_hls_response(lesson_id: int, name: str, request: Request, md5: str | None, expires: str | None,
                       v: str | None) -> Response:
    uri = f"{service.LIVE_HLS_PREFIX}{lesson_id}/hls/{name}"
    if not check_media_url(uri, md5, expires, v):
        raise APIError(403, "link_expired", "This media link is invalid or has expired. Reload the page.")
    note_media_access(request, uri, v)
    file = service.live_hls_file(lesson_id, name)
    if file is None:
        raise APIError(404, "not_found", "The live stream has not started yet or the file does not exist.")
    if file.suffix == ".m3u8":
        audience.saw(lesson_id, v or (request.client.host if request.client else "?"))
        text = sign_playlist(file.read_text(errors="replace"), uri, int(expires or 0), v)
        return PlainTextResponse(text, media_type="application/vnd.apple.mpegurl",
                                 headers={"Cache-Control": "no-cache"})
    return serving.file_response(file, "video/mp2t", {"Cache-Control": "private, max-age=3600"})
