"""Recording upload (resumable), signed media URLs and serving, transcript, subtitles, analytics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from starlette.requests import ClientDisconnect

from api.audit.media import note_media_access
from api.deps import DB, Access, CurrentUser
from api.errors import APIError
from api.lessons.deps import VisibleLesson
from api.lessons.service import get_managed
from api.media import service, serving, uploads
from models import LessonAnalytics, TranscriptSegment
from tingke.signing import check_media_url

router = APIRouter(tags=["media"])

CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".jpg": "image/jpeg",
                 ".json": "application/json", ".vtt": "text/vtt; charset=utf-8", ".mp4": "video/mp4",
                 ".m4s": "video/iso.segment", ".wav": "audio/wav", ".m4a": "audio/mp4"}


class UploadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: int = Field(ge=0, description="Total bytes of the file")
    filename: str = Field(default="recording.mp4", max_length=200)


def _upload_state(meta: uploads.UploadMeta, **extra: Any) -> dict[str, Any]:
    return {"upload_id": meta.uid, "url": f"/api/uploads/{meta.uid}", "offset": uploads.offset(meta),
            "size": meta.size, **extra}


def _completed(session: DB, meta: uploads.UploadMeta, ctx: Access) -> dict[str, Any]:
    """Check the whole file and register it (blocking: called through run_in_threadpool)."""
    lesson = get_managed(session, ctx, meta.lesson_id)
    asset, job = service.finish_upload(session, lesson, meta)
    session.commit()
    return {"upload_id": meta.uid, "offset": meta.size, "size": meta.size, "complete": True,
            "asset_id": asset.id, "job_id": job.id, "job_url": f"/api/jobs/{job.id}"}


def _managed_lesson_id(session: DB, ctx: Access, lesson_id: int) -> int:
    """The access check, then the connection goes back to the pool while the body streams in."""
    lesson_id = get_managed(session, ctx, lesson_id).id
    session.commit()
    return lesson_id


# The two upload handlers are async only to read the body as it streams in; everything that blocks
# (the database, file writes, the media check) runs in worker threads so the API keeps answering.
@router.post("/api/lessons/{lesson_id}/recording", status_code=201)
async def upload_recording(lesson_id: int, request: Request, session: DB, ctx: Access,
                           filename: Annotated[str, Query(max_length=200)] = "recording.mp4") -> JSONResponse:
    """JSON body ``{size, filename}``: start a resumable upload (then PATCH chunks to its URL).
    Any other body: the whole recording in one request (small files, good connections)."""
    lesson_id = await run_in_threadpool(_managed_lesson_id, session, ctx, lesson_id)
    settings = uploads.get_settings()
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            data = UploadIn.model_validate_json(await request.body())
        except ValueError as exc:
            raise APIError(422, "invalid_input", "Send {\"size\": <bytes>, \"filename\": \"...\"}.") from exc
        meta = await run_in_threadpool(uploads.create, lesson_id, ctx.user.id, data.size, data.filename)
        state = await run_in_threadpool(_upload_state, meta, chunk_max_bytes=settings.upload_chunk_max_bytes)
        return JSONResponse(state, status_code=201,
                            headers={"Location": f"/api/uploads/{meta.uid}", "Upload-Offset": "0"})
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        uploads.check_size(int(declared))
    size = int(declared) if declared and declared.isdigit() else settings.upload_max_bytes
    meta = await run_in_threadpool(uploads.create, lesson_id, ctx.user.id, size, filename)
    try:
        received = await uploads.append(meta, 0, request.stream(), chunk_limit=settings.upload_max_bytes)
    except (APIError, ClientDisconnect):
        await run_in_threadpool(uploads.discard, meta.uid)
        raise
    if received == 0:
        await run_in_threadpool(uploads.discard, meta.uid)
        raise APIError(422, "empty_file", "The file is empty (0 bytes). 文件是空的。")
    meta.size = received
    return JSONResponse(await run_in_threadpool(_completed, session, meta, ctx), status_code=201)


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
    meta = await run_in_threadpool(uploads.load, uid, ctx.user.id)
    await run_in_threadpool(session.commit)  # no connection held while the chunk streams in
    try:
        new_offset = await uploads.append(meta, upload_offset, request.stream())
    except ClientDisconnect:  # nobody reads the reply; the bytes are kept
        return JSONResponse(await run_in_threadpool(_upload_state, meta), status_code=400)
    if new_offset < meta.size:
        state = await run_in_threadpool(_upload_state, meta, complete=False)
        return JSONResponse(state, headers={"Upload-Offset": str(new_offset)})
    done = await run_in_threadpool(_completed, session, meta, ctx)
    return JSONResponse(done, headers={"Upload-Offset": str(new_offset)})


@router.delete("/api/uploads/{uid}", status_code=204)
def cancel_upload(uid: str, user: CurrentUser) -> Response:
    meta = uploads.load(uid, user.id)
    uploads.discard(meta.uid)
    return Response(status_code=204)


# ---- playback -----------------------------------------------------------------------------------

@router.get("/api/lessons/{lesson_id}/media")
def lesson_media(lesson: VisibleLesson, session: DB, ctx: Access) -> dict[str, Any]:
    """Signed, expiring URLs of the HLS ladder, audio-only rendition, poster, storyboard key frames,
    subtitles and download; only for people who may see the lesson."""
    return service.lesson_media(session, lesson, viewer=ctx.user.id)


@router.get("/media/{path:path}", include_in_schema=False)
@router.head("/media/{path:path}", include_in_schema=False)
async def serve_media(path: str, request: Request, md5: str | None = None, expires: str | None = None,
                      v: str | None = None, name: Annotated[str | None, Query(max_length=300)] = None) -> Response:
    """Playlists, segments, pictures and downloads by signed URL. No request session, and none of the
    request threads: a hundred players fetching segments must not wait behind (or starve) the requests
    that write notes. The file is read in one trip to the media threads (see api/media/serving.py).
    ``name`` asks for a download named after the lesson (RFC 6266)."""
    return await serving.in_media_thread(_media_response, path, request, md5, expires, v, name)


def _media_response(path: str, request: Request, md5: str | None, expires: str | None, v: str | None,
                    name: str | None = None) -> Response:
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
    if (disposition := service.download_disposition(file, name)) is not None:
        headers["Content-Disposition"] = disposition
    return serving.file_response(file, content_type, headers)


# ---- transcript, subtitles, analytics -------------------------------------------------------------

@router.get("/api/lessons/{lesson_id}/transcript")
def transcript(lesson: VisibleLesson, session: DB) -> dict[str, Any]:
    rows = session.scalars(select(TranscriptSegment).where(TranscriptSegment.lesson_id == lesson.id)
                           .order_by(TranscriptSegment.idx)).all()
    return {"lesson_id": lesson.id, "status": lesson.status.value,
            "segments": [{"id": r.id, "idx": r.idx, "start": r.start, "end": r.end, "text": r.text,
                          "speaker": r.speaker} for r in rows]}


@router.get("/api/lessons/{lesson_id}/subtitles.vtt", response_class=PlainTextResponse)
def subtitles(lesson: VisibleLesson, session: DB) -> PlainTextResponse:
    from tingke.webvtt import to_webvtt

    rows = session.scalars(select(TranscriptSegment).where(TranscriptSegment.lesson_id == lesson.id)
                           .order_by(TranscriptSegment.idx)).all()
    return PlainTextResponse(to_webvtt(rows), media_type="text/vtt; charset=utf-8")


@router.get("/api/lessons/{lesson_id}/analytics")
def analytics(lesson: VisibleLesson, session: DB) -> dict[str, Any]:
    row = session.get(LessonAnalytics, lesson.id)
    if row is None:
        raise APIError(404, "not_ready", "The lesson has not been analysed yet. 课堂分析尚未完成。")
    return {"lesson_id": lesson.id, "updated_at": row.updated_at, **row.data}

