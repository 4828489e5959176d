"""The audit hook of the media routes: which viewer fetched which lesson's video (minors are on camera)."""

from __future__ import annotations

from pathlib import PurePosixPath

from fastapi import Request

from api.audit.service import record_media_access
from api.media.service import lesson_of_uri, viewer_of

VIDEO_SUFFIXES = {".m3u8", ".ts", ".m4s", ".mp4", ".m4a", ".aac", ".wav"}  # posters and key frames are not views


def note_media_access(request: Request, uri: str, viewer: str | None) -> None:
    """One call at the entry of a media route, after its link was checked: a playlist, segment or download of
    a lesson by the viewer the link was issued to becomes (at most hourly) one audit row."""
    viewer_id, lesson_id = viewer_of(viewer), lesson_of_uri(uri)
    name = PurePosixPath(uri).name
    suffix = PurePosixPath(name).suffix
    if viewer_id is None or lesson_id is None or suffix not in VIDEO_SUFFIXES:
        return
    action = "media.download" if name == "download.mp4" else "media.view"
    live = uri.startswith("/media/live/")
    record_media_access(request.app.state.sessionmaker, viewer_id, lesson_id, action,
                        via="live_hls" if live else "hls")
