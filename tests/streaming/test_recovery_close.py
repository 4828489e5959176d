"""Closing what a killed relay left (streaming/recovery.py) on real MPEG-TS files: the cut segment is
kept when it decodes and set aside otherwise; a recording whose writer still runs is left alone."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

from streaming import recovery
from streaming.recording import BOOT


def _segment(path: Path, seconds: float) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc=size=160x120:rate=30:d={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=440:d={seconds}", "-c:v", "libx264", "-g", "30",
                    "-c:a", "aac", "-f", "mpegts", str(path)], check=True)


def _orphan(root: Path, stamp: str, pid: int, cut: bytes | None) -> Path:
    folder = root / "live" / "7" / "main" / stamp
    folder.mkdir(parents=True)
    _segment(folder / "seg00000.ts", 2)
    if cut is None:
        _segment(folder / "seg00001.ts", 1.5)
    else:
        (folder / "seg00001.ts").write_bytes(cut)
    manifest = {"lesson": "7", "label": "main", "codecs": {}, "format": "mpegts", "segment_seconds": 2.0,
                "writer": {"host": socket.gethostname(), "pid": pid, "boot": "gone"}, "finished": False,
                "gaps": [], "segments": [{"file": "seg00000.ts", "start": 0.0, "duration": 2.0},
                                         {"file": "seg00001.ts", "start": 2.0, "duration": 0.0}]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_the_cut_segment_is_kept_when_it_decodes_and_set_aside_when_not(tmp_path: Path):
    garbage = _orphan(tmp_path, "20260101T000000000000Z", _dead_pid(), os.urandom(4000))
    good = _orphan(tmp_path, "20260101T000100000000Z", _dead_pid(), None)
    runner = subprocess.Popen(["sleep", "30"])
    try:
        running = _orphan(tmp_path, "20260101T000200000000Z", runner.pid, None)
        found = recovery.find(tmp_path, BOOT)
        assert found == [garbage, good]  # the one whose writer still runs is not touched
        assert json.loads((running / "manifest.json").read_text())["finished"] is False
    finally:
        runner.kill()
        runner.wait()

    closed = recovery.close(garbage)
    assert closed is not None and [s["file"] for s in closed.segments] == ["seg00000.ts"]
    assert (garbage / "seg00001.ts.undecodable").is_file() and not (garbage / "seg00001.ts").exists()
    assert closed.duration_seconds == 2.0

    kept = recovery.close(good)
    assert kept is not None and [s["file"] for s in kept.segments] == ["seg00000.ts", "seg00001.ts"]
    assert abs(kept.duration_seconds - 3.5) <= 0.1
    manifest = json.loads((good / "manifest.json").read_text())
    assert manifest["finished"] is True and manifest["recovered"]["registered"] is False
    playlist = (good / "index.m3u8").read_text()
    assert "#EXT-X-ENDLIST" in playlist and "seg00001.ts" in playlist
    # closed, still to be registered; and the third one's writer is gone now
    assert recovery.find(tmp_path, BOOT) == [garbage, good, running]
    recovery.mark_registered([closed, kept])
    assert recovery.find(tmp_path, BOOT) == [running]


def test_a_killed_relay_s_live_hls_is_ended(tmp_path: Path):
    growing = tmp_path / "live" / "7" / "hls" / "low"
    growing.mkdir(parents=True)
    (growing / "index.m3u8").write_text("#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:2.000,\nseg00000.ts\n")
    done = tmp_path / "live" / "7" / "hls" / "audio"
    done.mkdir()
    (done / "index.m3u8").write_text("#EXTM3U\n#EXTINF:2.000,\nseg00000.ts\n#EXT-X-ENDLIST\n")
    assert recovery.finish_live_hls(tmp_path, "7") == 1
    assert (growing / "index.m3u8").read_text().endswith("seg00000.ts\n#EXT-X-ENDLIST\n")
    assert (done / "index.m3u8").read_text().count("#EXT-X-ENDLIST") == 1
    assert recovery.finish_live_hls(tmp_path, "7") == 0  # once
