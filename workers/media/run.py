"""Run an ffmpeg command and report its progress as a fraction of the expected duration."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Callable, Sequence

from tingke import processes
from tingke.stage_errors import StageError


def run_ffmpeg(args: Sequence[str], duration: float, progress: Callable[[float], None] | None = None,
               *, what: str = "transcode") -> None:
    """``args`` without the leading ``ffmpeg``. Raises StageError with ffmpeg's last words on failure.

    ffmpeg dies with this process, and is stopped when ``progress`` raises (a lost lease)."""
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-progress", "pipe:1", *args]
    with processes.child(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if progress and line.startswith("out_time_us=") and duration > 0:
                with contextlib.suppress(ValueError):
                    progress(min(1.0, int(line.split("=", 1)[1]) / 1e6 / duration))
        _, err = proc.communicate()
    if proc.returncode != 0:
        tail = (err or "").strip().splitlines()[-3:]
        raise StageError(f"{what}_failed", "视频转码失败，文件可能已损坏",
                         f"ffmpeg could not {what} the recording: {' | '.join(tail)[:400]}")
