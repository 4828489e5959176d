"""The frames the board-text reader looks at: the video's key frames (I-frames), in order, with their times.

Decoding only the key frames skips every frame between them (a rendition the pipeline encodes has one
every ``KEYFRAME_SECONDS`` = 2 s), so a 45-minute 720p lesson is sampled for a few CPU-seconds instead of
the minutes a full decode takes. A video whose key frames are further apart (a copied phone recording with
a long GOP) is decoded in full and sampled once a second instead, so no change is seen more than
``MAX_GAP_SECONDS`` late.

Times are seconds from the first frame, as the player and the transcript count them (an MPEG-TS rendition
starts at a PTS of about 1.4 s).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from tingke.stage_errors import StageError

SMALL_WIDTH = 320  # the picture the change detector compares
MAX_GAP_SECONDS = 2.5
PROBE_SECONDS = 60.0  # how much of the video tells its key-frame interval
FALLBACK_STEP = 1.0


@dataclass
class Sample:
    t: float
    small: np.ndarray  # grey, SMALL_WIDTH wide
    _frame: Any  # the decoded av.VideoFrame, converted to colour only if it is read

    def image(self) -> np.ndarray:
        """The full-size colour picture (BGR), for OCR."""
        return np.asarray(self._frame.to_ndarray(format="bgr24"))


def _grey(frame: Any) -> np.ndarray:
    """The luma plane as it is (a view, no conversion) for YUV pictures; converted otherwise."""
    if frame.format.name.startswith(("yuv", "yuvj", "nv")):
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)
        return rows[:, :frame.width]
    return np.asarray(frame.to_ndarray(format="gray"))


def _small(frame: Any) -> np.ndarray:
    grey = _grey(frame)
    height = max(1, round(grey.shape[0] * SMALL_WIDTH / grey.shape[1]))
    return np.asarray(cv2.resize(grey, (SMALL_WIDTH, height), interpolation=cv2.INTER_AREA))


def keyframe_interval(path: Path) -> float:
    """Median seconds between key frames over the first minute (packets only: nothing is decoded)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times: list[float] = []
        for packet in container.demux(stream):
            if packet.pts is None or packet.time_base is None:
                continue
            t = float(packet.pts * packet.time_base)
            if packet.is_keyframe:
                times.append(t)
            if times and t - times[0] > PROBE_SECONDS:
                break
    gaps = sorted(b - a for a, b in itertools.pairwise(times) if b > a)
    return gaps[len(gaps) // 2] if gaps else float("inf")


def samples(path: Path) -> Iterator[Sample]:
    """Every key frame (or one frame a second when key frames are too far apart), in time order."""
    try:
        sparse = keyframe_interval(path) > MAX_GAP_SECONDS
        with av.open(str(path)) as container:
            if not container.streams.video:
                return
            stream = container.streams.video[0]  # one decoding thread: threads cost more CPU than they save here
            if not sparse:
                stream.codec_context.skip_frame = "NONKEY"
            base = stream.time_base
            origin = float(stream.start_time * base) if stream.start_time is not None and base is not None else None
            next_t = 0.0
            for frame in container.decode(stream):
                if frame.pts is None or frame.time_base is None:
                    continue
                t = float(frame.pts * frame.time_base)
                origin = t if origin is None else origin
                t = max(0.0, t - origin)
                if sparse:
                    if t + 1e-6 < next_t:
                        continue
                    next_t = t + FALLBACK_STEP
                yield Sample(round(t, 3), _small(frame), frame)
    except av.FFmpegError as exc:
        raise StageError("unreadable_video", "录像的画面无法读取", f"The video cannot be decoded: {exc}") from exc
