"""ffmpeg never outlives what started it: a stage that stops early stops its ffmpeg, and a process killed
with -9 takes its children along (tingke/processes.py)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import procs
from tingke.stage_errors import LeaseLost
from workers.media.run import run_ffmpeg

LONG_ENCODE = ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=600", "-c:v", "libx264",
               "-preset", "veryslow"]


def _gone(pids: set[int], within: float) -> bool:
    deadline = time.monotonic() + within
    while any(procs.alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(procs.alive(p) for p in pids)


def test_a_stage_that_stops_early_stops_its_ffmpeg(tmp_path: Path) -> None:
    """The progress callback raises (the job's lease was lost): ffmpeg must not encode on alone."""
    out = tmp_path / "never.mp4"
    seen: set[int] = set()

    def progress(_: float) -> None:
        seen.update(procs.running("ffmpeg", str(out)))
        raise LeaseLost("taken over")

    try:
        with pytest.raises(LeaseLost):
            run_ffmpeg([*LONG_ENCODE, str(out)], duration=600, progress=progress)
        assert seen, "ffmpeg reported progress"
        assert _gone(seen, within=1.0), procs.running("ffmpeg", str(out))
    finally:
        for pid in procs.running("ffmpeg", str(out)):  # what a failure left behind
            os.kill(pid, signal.SIGKILL)


CHILD = """
import sys
from workers.media.run import run_ffmpeg
run_ffmpeg([*sys.argv[2:], sys.argv[1]], duration=600)
"""


def test_a_killed_parent_takes_its_ffmpeg_along(tmp_path: Path) -> None:
    """kill -9 runs no cleanup in the parent: the kernel's parent-death signal must stop ffmpeg."""
    out = tmp_path / "orphan.mp4"
    parent = subprocess.Popen([sys.executable, "-c", CHILD, str(out), *LONG_ENCODE], start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not procs.running("ffmpeg", str(out)):
            assert time.monotonic() < deadline and parent.poll() is None
            time.sleep(0.05)
        ffmpeg = procs.running("ffmpeg", str(out))
        assert {procs.parent_of(p) for p in ffmpeg} == {parent.pid}
        os.kill(parent.pid, signal.SIGKILL)  # the parent only, not its process group
        parent.wait(timeout=10)
        assert _gone(ffmpeg, within=2.0), f"ffmpeg {ffmpeg} outlived its killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(parent.pid, signal.SIGKILL)
