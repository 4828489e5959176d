"""Recording upload (resumable), signed media URLs and serving, transcript, subtitles, analytics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from starlette.requests import ClientDisconnect

from api.audit.media import note_media_access
from api.deps import DB, Access, CurrentUser
from api.errors import APIError
from api.lessons.service import get_managed, get_visible
from api.media import service, uploads
from models import LessonAnalytics, TranscriptSegment
from tingke.signing import check_media_url

router = APIRouter(tags=["media"])

CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".jpg": "image/jpeg",
                 ".json": "application/json", ".vtt": "text/vtt; charset=utf-8", ".mp4": "video/mp4",
                 ".m4s": "video/iso.segment", ".wav": "audio/wav"}


class UploadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: int = Field(ge=0, description="Total bytes of the file")
    filename: str = Field(default="recording.mp4", max_length=200)


def _upload_state(meta: uploads.UploadMeta, **extra: Any) -> dict[str, Any]:
    return {"upload_id": meta.uid, "url": f"/api/uploads/{meta.uid}", "offset": uploads.offset(meta),
            "size": meta.size, **extra}


def _completed(session: DB, meta: uploads.UploadMeta, ctx: Access) -> dict[str, Any]:
    lesson = get_managed(session, ctx, meta.lesson_id)
    asset, job = service.finish_upload(session, lesson, meta)
    return {"upload_id": meta.uid, "offset": meta.size, "size": meta.size, "complete": True,
            "asset_id": asset.id, "job_id": job.id, "job_url": f"/api/jobs/{job.id}"}


@router.post("/api/lessons/{lesson_id}/recording", status_code=201)
async def upload_recording(lesson_id: int, request: Request, session: DB, ctx: Access,
                           filename: Annotated[str, Query(max_length=200)] = "recording.mp4") -> JSONResponse:
    """JSON body ``{size, filename}``: start a resumable upload (then PATCH chunks to its URL).
    Any other body: the whole recording in one request (small files, good connections)."""
    lesson = get_managed(session, ctx, lesson_id)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            data = UploadIn.model_validate_json(await request.body())
        except ValueError as exc:
            raise APIError(422, "invalid_input", "Send {\"size\": <bytes>, \"filename\": \"...\"}.") from exc
        meta = uploads.create(lesson.id, ctx.user.id, data.size, data.filename)
        return JSONResponse(_upload_state(meta, chunk_max_bytes=uploads.get_settings().upload_chunk_max_bytes),
                            status_code=201, headers={"Location": f"/api/uploads/{meta.uid}", "Upload-Offset": "0"})
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        uploads.check_size(int(declared))
    meta = uploads.create(lesson.id, ctx.user.id, int(declared) if declared and declared.isdigit()
                          else uploads.get_settings().upload_max_bytes, filename)
    try:
        received = await uploads.append(meta, 0, request.stream(), chunk_limit=uploads.get_settings().upload_max_bytes)
    except (APIError, ClientDisconnect):
        uploads.discard(meta.uid)
        raise
    if received == 0:
        uploads.discard(meta.uid)
        raise APIError(422, "empty_file", "The file is empty (0 bytes). 文件是空的。")
    meta.size = received
    return JSONResponse(_completed(session, meta, ctx), status_code=201)


@router.head("/api/uploads/{uid}")
def upload_offset_head(uid: str, user: CurrentUser) -> Response:
    meta = uploads.load(uid, user.id)
    return Response(status_code=200, headers={"Upload-Offset": str(uploads.offset(meta)),
                                              "Upload-Length": str(meta.size), "Cache-Control": "no-store"})


@router.get("/api/uploads/{uid}")
def upload_offset(uid: str, user: CurrentUser) -> dict[str, Any]:
    """Where to resume: the number of bytes safely received."""
    return _upload_state(uploads.load(uid, user.id))


@router.patch("/api/uploads/{uid}")
async def upload_chunk(uid: str, request: Request, session: DB, ctx: Access,
                       upload_offset: Annotated[int, Header(alias="Upload-Offset", ge=0)]) -> JSONResponse:
    meta = uploads.load(uid, ctx.user.id)
    try:
        new_offset = await uploads.append(meta, upload_offset, request.stream())
    except ClientDisconnect:
        return JSONResponse(_upload_state(meta), status_code=400)  # nobody reads it; the bytes are kept
    if new_offset < meta.size:
        return JSONResponse(_upload_state(meta, complete=False), headers={"Upload-Offset": str(new_offset)})
    return JSONResponse(_completed(session, meta, ctx), headers={"Upload-Offset": str(new_offset)})


@router.delete("/api/uploads/{uid}", status_code=204)
def cancel_upload(uid: str, user: CurrentUser) -> Response:
    meta = uploads.load(uid, user.id)
    uploads.discard(meta.uid)
    return Response(status_code=204)


# ---- playback -----------------------------------------------------------------------------------

@router.get("/api/lessons/{lesson_id}/media")
def lesson_media(lesson_id: int, session: DB, ctx: Access) -> dict[str, Any]:
    """Signed, expiring URLs of the HLS ladder, audio-only rendition, poster, storyboard key frames,
    subtitles and download; only for people who may see the lesson."""
    return service.lesson_media(session, get_visible(session, ctx, lesson_id), viewer=ctx.user.id)


@router.get("/media/{path:path}", include_in_schema=False)
@router.head("/media/{path:path}", include_in_schema=False)
def serve_media(path: str, request: Request, md5: str | None = None, expires: str | None = None,
                v: str | None = None) -> Response:
    uri = service.media_uri(path)
    if not check_media_url(uri, md5, expires, v):
        raise APIError(403, "link_expired", "This media link is invalid or has expired. Reload the page.")
    note_media_access(request, uri, v)
    file = service.media_file(uri)
    if file is None:
        raise APIError(404, "not_found", "The media file does not exist.")
    content_type = CONTENT_TYPES.get(file.suffix, "application/octet-stream")
    if file.suffix == ".m3u8":
        text = service.sign_playlist(file.read_text(), uri, int(expires or 0), v)
        return PlainTextResponse(text, media_type=content_type, headers={"Cache-Control": "private, max-age=60"})
    headers = {"Cache-Control": "private, max-age=3600"}
    if file.name == "download.mp4":
        headers["Content-Disposition"] = 'attachment; filename="lesson.mp4"'
    return FileResponse(file, media_type=content_type, headers=headers)


# ---- transcript, subtitles, analytics -------------------------------------------------------------

@router.get("/api/lessons/{lesson_id}/transcript")
def transcript(lesson_id: int, session: DB, ctx: Access) -> dict[str, Any]:
    lesson = get_visible(session, ctx, lesson_id)
    rows = session.scalars(select(TranscriptSegment).where(TranscriptSegment.lesson_id == lesson.id)
                           .order_by(TranscriptSegment.idx)).all()
    return {"lesson_id": lesson.id, "status": lesson.status.value,
            "segments": [{"id": r.id, "idx": r.idx, "start": r.start, "end": r.end, "text": r.text,
                          "speaker": r.speaker} for r in rows]}


@router.get("/api/lessons/{lesson_id}/subtitles.vtt", response_class=PlainTextResponse)
def subtitles(lesson_id: int, session: DB, ctx: Access) -> PlainTextResponse:
    from tingke.webvtt import to_webvtt

    lesson = get_visible(session, ctx, lesson_id)
    rows = session.scalars(select(TranscriptSegment).where(TranscriptSegment.lesson_id == lesson.id)
                           .order_by(TranscriptSegment.idx)).all()
    return PlainTextResponse(to_webvtt(rows), media_type="text/vtt; charset=utf-8")


@router.get("/api/lessons/{lesson_id}/analytics")
def analytics(lesson_id: int, session: DB, ctx: Access) -> dict[str, Any]:
    lesson = get_visible(session, ctx, lesson_id)
    row = session.get(LessonAnalytics, lesson.id)
    if row is None:
        raise APIError(404, "not_ready", "The lesson has not been analysed yet. 课堂分析尚未完成。")
    return {"lesson_id": lesson.id, "updated_at": row.updated_at, **row.data}

