"""Ingest check: is this file a recording we can process? ffprobe plus a short test decode.

The picture's size and rate are checked first from the container and codec headers alone
(ffprobe told to read 32 bytes and analyse nothing, so it decodes no frame): a plain probe of a
16000x16000 video decodes frames to guess codec parameters and takes 0.7 GiB, the test decode
2.2 GiB. Only a recording within the limits is probed fully and test-decoded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

from tingke import processes
from tingke.settings import get_settings
from tingke.stage_errors import StageError

EMPTY = StageError("empty_file", "文件是空的", "The file is empty (0 bytes)")
NOT_MEDIA = StageError("not_media", "这不是视频或音频文件", "The file is not a video or audio recording")
CORRUPT = StageError("corrupt_media", "文件已损坏，无法播放", "The recording is damaged and cannot be decoded")
NO_AUDIO = StageError("no_audio", "视频没有声音轨道", "The recording has no audio track")


HEADER_ONLY = {"probesize": 32, "analyzeduration": 0}  # ffprobe reads headers and parses, decodes nothing


def picture_too_large(width: int, height: int, max_pixels: int, max_side: int) -> StageError:
    return StageError("picture_too_large",
                      f"录像画面过大（{width}×{height}，上限 {max_pixels / 1e6:.1f} 百万像素、最长边 {max_side}）",
                      f"The recording's picture is too large ({width}x{height}; the limit is "
                      f"{max_pixels / 1e6:.1f} megapixels and {max_side} pixels a side)")


def frame_rate_too_high(fps: float, limit: float) -> StageError:
    return StageError("frame_rate_too_high", f"录像帧率过高（{fps:.0f} 帧/秒，上限 {limit:.0f}）",
                      f"The recording's frame rate is too high ({fps:.0f} fps; the limit is {limit:.0f})")


def pixel_rate_too_high(rate: float, limit: int) -> StageError:
    return StageError("pixel_rate_too_high",
                      f"录像的分辨率和帧率合起来过高（每秒 {rate / 1e6:.0f} 百万像素，上限 {limit / 1e6:.0f}）",
                      f"The recording's resolution and frame rate together are too high "
                      f"({rate / 1e6:.0f} megapixels/s; the limit is {limit / 1e6:.0f})")


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


def _main_video(streams: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((s for s in streams if s.get("codec_type") == "video"
                 and not s.get("disposition", {}).get("attached_pic")), None)


def _stream_fps(video: dict[str, Any]) -> float | None:
    return _fps(video.get("avg_frame_rate")) or _fps(video.get("r_frame_rate"))


def check_picture(streams: list[dict[str, Any]]) -> None:
    """Refuse a video whose picture, frame rate or pixel rate is above the limits (settings)."""
    video = _main_video(streams)
    if video is None:
        return
    settings = get_settings()
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if width * height > settings.video_max_pixels or max(width, height) > settings.video_max_side:
        raise picture_too_large(width, height, settings.video_max_pixels, settings.video_max_side)
    fps = _stream_fps(video) or 0.0
    if fps > settings.video_max_fps:
        raise frame_rate_too_high(fps, settings.video_max_fps)
    if width * height * fps > settings.video_max_pixel_rate:
        raise pixel_rate_too_high(width * height * fps, settings.video_max_pixel_rate)


def _check_headers(path: Path) -> None:
    """The limits, from what the headers say; a file ffprobe cannot read this way is judged by the full probe."""
    try:
        headers = ffprobe(path, {**HEADER_ONLY, **input_args(path)})
    except ffmpeg.Error:
        return
    check_picture(headers.get("streams", []))


def probe(path: Path, *, test_decode: bool = True) -> MediaInfo:
    """Describe a recording, or raise a StageError a person understands."""
    if not path.is_file() or path.stat().st_size == 0:
        raise EMPTY
    _check_headers(path)
    try:
        info = ffprobe(path, input_args(path))
    except ffmpeg.Error as exc:
        text = (exc.stderr or b"").decode(errors="replace")
        if "Invalid data found" in text or "could not find codec" in text or "Unknown" in text:
            raise NOT_MEDIA from exc
        raise CORRUPT from exc
    streams = info.get("streams", [])
    video = _main_video(streams)
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
    check_picture(streams)
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
    result = processes.run(cmd, capture_output=True, timeout=120)
    if result.returncode != 0:
        raise CORRUPT


def ffprobe(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    """ffprobe's JSON of the format and streams (as ``ffmpeg.probe``, but the ffprobe dies with us)."""
    cmd = ["ffprobe", "-show_format", "-show_streams", "-of", "json", *_flat(options), str(path)]
    result = processes.run(cmd, capture_output=True)
    if result.returncode != 0:
        raise ffmpeg.Error("ffprobe", result.stdout, result.stderr)
    return dict(json.loads(result.stdout.decode("utf-8")))


def _flat(options: dict[str, Any]) -> list[str]:
    return [item for key, value in options.items() for item in (f"-{key}", str(value))]
