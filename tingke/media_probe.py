"""Ingest check: is this file a recording we can process? ffprobe plus a short test decode."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

from tingke.settings import get_settings
from tingke.stage_errors import StageError

EMPTY = StageError("empty_file", "文件是空的", "The file is empty (0 bytes)")
NOT_MEDIA = StageError("not_media", "这不是视频或音频文件", "The file is not a video or audio recording")
CORRUPT = StageError("corrupt_media", "文件已损坏，无法播放", "The recording is damaged and cannot be decoded")
NO_AUDIO = StageError("no_audio", "视频没有声音轨道", "The recording has no audio track")


def too_long(seconds: float, limit: float) -> StageError:
    return StageError("too_long", f"录像过长（{seconds / 60:.0f} 分钟，上限 {limit / 60:.0f} 分钟）",
                      f"The recording is too long ({seconds / 60:.0f} min; the limit is {limit / 60:.0f} min)")


@dataclass
class MediaInfo:
    duration: float
    width: int | None
    height: int | None
    fps: float | None
    video_codec: str | None
    audio_codec: str
    audio_tracks: int
    video_profile: str | None = None  # ffprobe's name, e.g. "Constrained Baseline", "High"
    video_level: int | None = None  # e.g. 31 for level 3.1
    pix_fmt: str | None = None
    is_concat: bool = False  # a relay recording listed segment by segment

    @property
    def has_video(self) -> bool:
        return self.width is not None


def input_args(path: Path) -> dict[str, Any]:
    """Options ffmpeg needs to open a file: the relay's .ffconcat lists need the concat demuxer."""
    if path.suffix == ".ffconcat":
        return {"f": "concat", "safe": 0}
    return {}


def _fps(rate: str | None) -> float | None:
    try:
        num, den = (rate or "0/0").split("/")
        return float(num) / float(den) if float(den) else None
    except ValueError:
        return None


def probe(path: Path, *, test_decode: bool = True) -> MediaInfo:
    """Describe a recording, or raise a StageError a person understands."""
    if not path.is_file() or path.stat().st_size == 0:
        raise EMPTY
    try:
        info = ffmpeg.probe(str(path), **input_args(path))
    except ffmpeg.Error as exc:
        text = (exc.stderr or b"").decode(errors="replace")
        if "Invalid data found" in text or "could not find codec" in text or "Unknown" in text:
            raise NOT_MEDIA from exc
        raise CORRUPT from exc
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not s.get("disposition", {}).get("attached_pic")), None)
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if video is None and not audio:
        raise NOT_MEDIA
    try:
        duration = float(info.get("format", {}).get("duration") or 0)
    except ValueError:
        duration = 0.0
    if not audio:
        raise NO_AUDIO
    if duration <= 0:
        raise CORRUPT
    limit = get_settings().recording_max_seconds
    if duration > limit:
        raise too_long(duration, limit)
    if test_decode:
        _test_decode(path, min(duration, 3.0))
    return MediaInfo(
        duration=duration,
        width=int(video["width"]) if video and video.get("width") else None,
        height=int(video["height"]) if video and video.get("height") else None,
        fps=_fps(video.get("avg_frame_rate")) if video else None,
        video_codec=video.get("codec_name") if video else None,
        audio_codec=str(audio[0].get("codec_name")),
        audio_tracks=len(audio),
        video_profile=video.get("profile") if video else None,
        video_level=int(video["level"]) if video and str(video.get("level", "")).isdigit() else None,
        pix_fmt=video.get("pix_fmt") if video else None,
        is_concat=path.suffix == ".ffconcat",
    )


def _test_decode(path: Path, seconds: float) -> None:
    """Decode the first seconds: headers can look fine over a body that is garbage."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-xerror", *_flat(input_args(path)), "-i", str(path),
           "-t", f"{seconds:.2f}", "-f", "null", "-"]
    result = subprocess.run(cmd, capture_output=True, timeout=120)
    if result.returncode != 0:
        raise CORRUPT


def _flat(options: dict[str, Any]) -> list[str]:
    return [item for key, value in options.items() for item in (f"-{key}", str(value))]
