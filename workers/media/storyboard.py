"""Key frames for the "audio + key frames" low-bandwidth mode: a thumbnail each time the picture
changes for good (a new slide, a new blackboard state), found with OpenCV.

ffmpeg decodes one small frame per second; each is compared with the last key frame kept (not
with the previous second), so a slow change such as a board filling up is caught once it adds
up, while camera noise and small motion are not.
"""

from __future__ import annotations

import subprocess
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from tingke import processes
from tingke.settings import get_settings
from workers.media.files import new_dir, write_json

THUMB_WIDTH = 320
THUMB_HEIGHT = 180
LIBRARY_THUMB = "thumb.jpg"  # the library's picture of the lesson: small enough for a list on a weak link
LIBRARY_THUMB_SIZE = (160, 90)
LIBRARY_THUMB_QUALITY = 70
SAMPLE_FPS = 1.0
MIN_GAP_SECONDS = 3.0


@dataclass
class KeyFrame:
    t: float
    file: str
    change: float


def _signature(frame: np.ndarray) -> np.ndarray:
    small = cv2.resize(frame, (64, 36), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small, (3, 3), 0).astype(np.float32)


def change_between(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute colour difference in 0-1."""
    return float(np.mean(np.abs(a - b)) / 255.0)


def frames(source: Path, input_options: list[str]) -> AbstractContextManager[subprocess.Popen[bytes]]:
    """ffmpeg writing small raw frames to its stdout; stopped when the block is left, dies with the worker."""
    vf = (f"fps={SAMPLE_FPS},scale={THUMB_WIDTH}:{THUMB_HEIGHT}:force_original_aspect_ratio=decrease,"
          f"pad={THUMB_WIDTH}:{THUMB_HEIGHT}:(ow-iw)/2:(oh-ih)/2")
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", *input_options, "-i", str(source), "-an", "-vf", vf,
           "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"]
    return processes.child(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def library_thumbnail(keyframes: list[KeyFrame], folder: Path, at: float) -> None:
    """``thumb.jpg``: the key frame showing at ``at`` seconds, shrunk for the library's list."""
    shown = [k for k in keyframes if k.t <= at] or keyframes[:1]
    if not shown:
        return
    frame = cv2.imread(str(folder / shown[-1].file))
    if frame is None:
        return
    small = cv2.resize(frame, LIBRARY_THUMB_SIZE, interpolation=cv2.INTER_AREA)
    cv2.imwrite(str(folder / LIBRARY_THUMB), small, [cv2.IMWRITE_JPEG_QUALITY, LIBRARY_THUMB_QUALITY])


def build_storyboard(source: Path, out_dir: Path, input_options: list[str] | None = None) -> list[KeyFrame]:
    """Write out_dir/kf_NNNNN.jpg, thumb.jpg + storyboard.json (swapped in atomically); returns the key
    frames."""
    threshold = get_settings().storyboard_threshold
    size = THUMB_WIDTH * THUMB_HEIGHT * 3
    keyframes: list[KeyFrame] = []
    with new_dir(out_dir) as tmp, frames(source, input_options or []) as proc:
        assert proc.stdout is not None
        reference: np.ndarray | None = None
        index = 0
        while True:
            raw = proc.stdout.read(size)
            if len(raw) < size:
                break
            frame = np.frombuffer(raw, np.uint8).reshape(THUMB_HEIGHT, THUMB_WIDTH, 3)
            t = index / SAMPLE_FPS
            index += 1
            signature = _signature(frame)
            change = 1.0 if reference is None else change_between(signature, reference)
            if reference is None or (change >= threshold and t - keyframes[-1].t >= MIN_GAP_SECONDS):
                name = f"kf_{len(keyframes):05d}.jpg"
                cv2.imwrite(str(tmp / name), frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
                keyframes.append(KeyFrame(round(t, 2), name, round(change, 4)))
                reference = signature
        proc.wait()
        library_thumbnail(keyframes, tmp, at=min(30.0, index / SAMPLE_FPS * 0.1))  # as the poster: a tenth in
        write_json(tmp / "storyboard.json", [asdict(k) for k in keyframes])
    return keyframes
