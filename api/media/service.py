"""Recordings in, signed media URLs out: what the media endpoints do besides HTTP."""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import APIError
from api.kit.downloads import attachment, safe_filename
from api.media import uploads
from models import Job, JobState, Lesson, MediaAsset, MediaKind
from models.lifecycle import JobKind
from tingke import jobs_client
from tingke.media_probe import probe
from tingke.settings import get_settings
from tingke.signing import secure_link_hash
from tingke.stage_errors import StageError

MEDIA_PREFIX = "/media/"
# Signed URLs expire at the end of an hour, not a second after ttl: the same link for an hour, so browsers
# and the offline store can keep posters, key frames and segments instead of fetching them again.
EXPIRY_STEP_SECONDS = 3600
DOWNLOADS = {"download": ("download.mp4", ".mp4"), "audio_download": ("audio.m4a", "（音频）.m4a")}
ALLOWED_EXTENSIONS = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".ts", ".3gp", ".avi", ".flv", ".m4a", ".mp3",
                      ".aac", ".wav", ".ogg", ".opus", ".flac", ".amr"}


def validate_recording(path: Path) -> dict[str, Any]:
    """ffprobe + a short decode; a StageError becomes a 422 with the same code."""
    try:
        info = probe(path)
    except StageError as exc:
        raise APIError(422, exc.code, f"{exc.en}. {exc.zh}。") from exc
    return {"duration": info.duration, "width": info.width, "height": info.height,
            "video_codec": info.video_codec, "audio_codec": info.audio_codec}


def accept_recording(
    session: Session, lesson: Lesson, data: Path, filename: str, user_id: int
) -> tuple[MediaAsset, Job]:
    """Move a validated file into the lesson's folder, register it, queue processing.
    The lesson's earlier media are left alone: the new outputs replace them only when complete."""
    probe_info = validate_recording(data)
    suffix = Path(filename).suffix.lower()
    suffix = suffix if suffix in ALLOWED_EXTENSIONS else ".bin"
    media_root = get_settings().media_root
    target = media_root / "lessons" / str(lesson.id) / "uploads" / f"{int(time.time())}-{secrets.token_hex(4)}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(data, target)
    asset = MediaAsset(lesson_id=lesson.id, kind=MediaKind.upload, path=str(target.relative_to(media_root)),
                       content_type="application/octet-stream", bytes=target.stat().st_size,
                       duration_seconds=probe_info["duration"],
                       meta={"filename": filename, "probe": probe_info, "uploaded_by": user_id})
    session.add(asset)
    session.flush()
    job = jobs_client.process(session, lesson, JobKind.process, asset.id)
    return asset, job


def active_job(session: Session, lesson_id: int) -> Job | None:
    return session.scalars(
        select(Job).where(Job.lesson_id == lesson_id, Job.state.in_([JobState.queued, JobState.running]))
        .order_by(Job.id.desc())
    ).first()


def latest_job(session: Session, lesson_id: int) -> Job | None:
    return session.scalars(select(Job).where(Job.lesson_id == lesson_id).order_by(Job.id.desc())).first()


def finish_upload(session: Session, lesson: Lesson, meta: uploads.UploadMeta) -> tuple[MediaAsset, Job]:
    try:
        return accept_recording(session, lesson, uploads.data_path(meta), meta.filename, meta.user_id)
    finally:
        uploads.discard(meta.uid)


# ---- signed URLs ------------------------------------------------------------------------------

def signed(uri: str, expires: int, viewer: int | str | None = None) -> str:
    """A signed media link; with ``viewer`` (a user id) the link names who it was issued to (audit)."""
    if viewer is None or viewer == "":
        return f"{uri}?md5={secure_link_hash(uri, expires)}&expires={expires}"
    return f"{uri}?md5={secure_link_hash(uri, expires, viewer=str(viewer))}&expires={expires}&v={viewer}"


def viewer_of(value: str | None) -> int | None:
    """The user id a signed link was issued to (its ``v``), once the link's signature has been checked."""
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def lesson_of_uri(uri: str) -> int | None:
    """The lesson a /media/lessons/<id>/… or /media/live/<id>/… URI belongs to."""
    parts = uri.removeprefix(MEDIA_PREFIX).split("/")
    if len(parts) > 1 and parts[0] in ("lessons", "live") and parts[1].isdigit():
        return int(parts[1])
    return None


def media_uri(relative: str) -> str:
    return MEDIA_PREFIX + relative.lstrip("/")


def media_file(uri: str) -> Path | None:
    """The file behind a /media/ URI, only inside media_root/lessons (uploads and raw live
    recordings are never served)."""
    root = (get_settings().media_root / "lessons").resolve()
    relative = uri.removeprefix(MEDIA_PREFIX)
    if not relative.startswith("lessons/"):
        return None
    path = (get_settings().media_root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file() or any(p.startswith(".") for p in path.parts):
        return None
    return path


_TAG_URI = re.compile(r'URI="([^"]+)"')


def sign_playlist(text: str, playlist_uri: str, expires: int, viewer: int | str | None = None) -> str:
    """Give every relative URI of an HLS playlist the playlist's signed query (expiry, viewer: one signature
    covers the lesson's scope, tingke/signing.py), so players fetch segments and variant playlists without
    cookies or headers, and the lines compress to almost nothing."""
    base = playlist_uri.rsplit("/", 1)[0]

    def sign(uri: str) -> str:
        if "://" in uri or uri.startswith("/"):
            return uri
        return signed(f"{base}/{uri.split('?', 1)[0]}", expires, viewer)

    lines = []
    for line in text.splitlines():
        if line.startswith("#"):  # a tag's URI="…" (the subtitle rendition of the master playlist)
            line = _TAG_URI.sub(lambda m: f'URI="{sign(m.group(1))}"', line)
        elif line:
            line = sign(line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def link_expiry() -> int:
    """When signed links made now expire: at least media_url_ttl_seconds ahead, rounded up to the hour."""
    soon = time.time() + get_settings().media_url_ttl_seconds
    return math.ceil(soon / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS


def download_name(lesson: Lesson) -> str:
    """What a download of the lesson is called (before its file suffix): the title and the teacher."""
    return f"{lesson.title}-{lesson.teacher.display_name}" if lesson.teacher else lesson.title


def storyboard_frames(board: MediaAsset, expires: int, viewer: int | None = None) -> list[dict[str, Any]]:
    path = get_settings().media_root / board.path
    base = board.path.rsplit("/", 1)[0]
    try:
        frames = json.loads(path.read_text())
    except (OSError, ValueError):
        frames = []
    return [{"t": f["t"], "url": signed(media_uri(f"{base}/{f['file']}"), expires, viewer)} for f in frames]


def thumbnail_urls(session: Session, lesson_ids: list[int], viewer: int | None = None) -> dict[int, str]:
    """Signed URLs of the library thumbnails (from the storyboard) of these lessons, where they exist."""
    if not lesson_ids:
        return {}
    expires = link_expiry()
    boards = session.execute(select(MediaAsset.lesson_id, MediaAsset.path).where(
        MediaAsset.lesson_id.in_(lesson_ids), MediaAsset.kind == MediaKind.storyboard)).all()
    out: dict[int, str] = {}
    for lesson_id, path in boards:
        thumb = f"{path.rsplit('/', 1)[0]}/thumb.jpg"
        if (get_settings().media_root / thumb).is_file():
            out[lesson_id] = signed(media_uri(thumb), expires, viewer)
    return out


def lesson_media(session: Session, lesson: Lesson, viewer: int | None = None) -> dict[str, Any]:
    """Signed URLs of everything a player needs, valid for at least media_url_ttl_seconds, issued to ``viewer``."""
    expires = link_expiry()
    assets = {a.kind: a for a in session.scalars(select(MediaAsset).where(MediaAsset.lesson_id == lesson.id))}
    out: dict[str, Any] = {"lesson_id": lesson.id, "status": lesson.status.value,
                           "duration_seconds": lesson.media_duration_seconds, "expires": expires,
                           "hls": None, "renditions": [], "audio_only": None, "download": None,
                           "audio_download": None, "poster": None, "storyboard": [], "subtitles": None,
                           "title": lesson.title}
    job = latest_job(session, lesson.id)
    out["job"] = {"id": job.id, "state": job.state.value, "stage": job.stage, "progress": job.progress} if job else None
    hls = assets.get(MediaKind.hls)
    if hls is not None:
        out["hls"] = signed(media_uri(hls.path), expires, viewer)
        base = hls.path.rsplit("/", 1)[0]
        out["renditions"] = [
            {"name": r["name"], "height": r["height"], "width": r["width"], "bandwidth": r["peak_bps"],
             "average_bandwidth": r["average_bps"], "audio_only": r["height"] is None,
             "url": signed(media_uri(f"{base}/{r['name']}/index.m3u8"), expires, viewer)}
            for r in hls.meta.get("ladder", [])
        ]
        if hls.meta.get("audio"):
            out["audio_only"] = signed(media_uri(hls.meta["audio"]), expires, viewer)
        name = quote(download_name(lesson), safe="")
        for key in DOWNLOADS:
            if hls.meta.get(key):
                out[key] = f"{signed(media_uri(hls.meta[key]), expires, viewer)}&name={name}"
    if (subtitles := assets.get(MediaKind.subtitles)) is not None:
        out["subtitles"] = signed(media_uri(subtitles.path), expires, viewer)
    if (board := assets.get(MediaKind.storyboard)) is not None:
        out["storyboard"] = storyboard_frames(board, expires, viewer)
    if (poster := assets.get(MediaKind.poster)) is not None:
        out["poster"] = signed(media_uri(poster.path), expires, viewer)
    if out["storyboard"]:  # a key frame of the storyboard: a few KB where the full-size frame is tens
        at = min(30.0, (lesson.media_duration_seconds or 0) * 0.1)
        out["poster"] = ([f for f in out["storyboard"] if f["t"] <= at] or out["storyboard"])[-1]["url"]
    return out


def download_disposition(file: Path, name: str | None) -> str | None:
    """Content-Disposition of a lesson's download file (``name``: its stem, from the signed listing)."""
    match = next((suffix for filename, suffix in DOWNLOADS.values() if filename == file.name), None)
    if match is None:
        return None
    fallback = f"lesson-{file.parent.name}"
    return attachment(safe_filename(name or "", match, fallback), f"{fallback}{file.suffix}")
