"""The live HLS feeder in the relay process: three variants from an aiortc publisher, ffmpeg killed
mid-lesson and restarted with the playlists continuing, ENDLIST when the room ends; a dual lesson's HLS
follows the master classroom."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from streaming.live_hls import InputSpec, build_command, hls_folder
from testkit import peers
from tests.live.app_relay import wait_for
from tests.streaming.conftest import RelayProcess, live_token

pytestmark = pytest.mark.slow


def test_the_command_copies_h264_and_encodes_vp8(tmp_path: Path):
    copy = build_command(tmp_path, InputSpec("h264", "opus"), segment_seconds=2, low_height=360, append=False)
    assert copy[copy.index("-c:v:0") + 1] == "copy" and copy[copy.index("-c:v:1") + 1] == "libx264"
    assert copy[copy.index("-var_stream_map") + 1] == "v:0,a:0,name:src v:1,a:1,name:low a:2,name:audio"
    assert copy[copy.index("-f") + 1] == "mpegts" and "append_list" not in " ".join(copy)
    assert copy[:4] == ["setpriv", "--pdeathsig", "KILL", "--"]  # no orphan ffmpeg if the relay is killed
    vp8 = build_command(tmp_path, InputSpec("vp8", "opus"), segment_seconds=2, low_height=360, append=True)
    assert vp8[vp8.index("-c:v:0") + 1] == "libx264" and vp8[vp8.index("-f") + 1] == "matroska"
    assert "append_list" in vp8[vp8.index("-hls_flags") + 1]
    audio = build_command(tmp_path, InputSpec(None, "opus"), segment_seconds=2, low_height=360, append=False)
    assert audio[audio.index("-var_stream_map") + 1] == "a:0,name:audio"


def _segments(playlist: Path) -> list[str]:
    if not playlist.exists():
        return []
    return [line for line in playlist.read_text().splitlines() if line.endswith(".ts")]


def _hls_stats(relay: RelayProcess, room: str) -> dict | None:
    for entry in relay.stats()["rooms"]:
        if entry["room"] == room:
            return entry["hls"]
    return None


class _Loop:
    """An event loop in its own thread for the aiortc publisher, so this test stays synchronous
    (a session's sync Playwright keeps a loop running in the main thread)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def test_ffmpeg_dying_is_restarted_and_the_replay_is_complete(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("hls-relay")
    relay = RelayProcess(data, live_grace_seconds=2, live_segment_seconds=2, live_hls_segment_seconds=1)
    room = f"room-{uuid.uuid4().hex[:8]}"  # not a lesson: nothing is written to a database
    folder = hls_folder(data / "media", room)
    loop = _Loop()
    try:
        publisher, _ = loop.run(peers.publish(relay.base_url, room, live_token(room), codec="video/H264"))
        src = folder / "src" / "index.m3u8"
        wait_for(lambda: len(_segments(src)) >= 2, 30, "live HLS segments")
        first_pid = _hls_stats(relay, room)["pid"]  # type: ignore[index]
        os.kill(first_pid, signal.SIGKILL)
        before = len(_segments(src))
        stats = wait_for(lambda: (s := _hls_stats(relay, room)) and s["restarts"] == 1 and s["pid"] != first_pid
                         and s, 20, "the feeder to restart ffmpeg")
        assert stats["starts"] == 2 and not stats["given_up"]
        wait_for(lambda: len(_segments(src)) >= before + 2, 30, "segments after the restart")
        loop.run(publisher.leave())
        wait_for(lambda: "#EXT-X-ENDLIST" in src.read_text(), 30, "ENDLIST")
    finally:
        loop.close()
        relay.stop()
    for variant in ("src", "low", "audio"):
        text = (folder / variant / "index.m3u8").read_text()
        assert text.count("#EXT-X-ENDLIST") == 1 and "#EXT-X-DISCONTINUITY" in text, variant
        names = _segments(folder / variant / "index.m3u8")
        assert len(names) == len(set(names)), f"{variant}: a segment name was reused after the restart"
    # the whole replay decodes, across the restart
    decode = subprocess.run(["ffmpeg", "-v", "error", "-i", str(folder / "master.m3u8"), "-map", "0:v:0",
                             "-f", "null", "-"], capture_output=True, text=True, timeout=60)
    assert decode.returncode == 0, decode.stderr[-2000:]
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                            str(folder / "src" / "index.m3u8")], capture_output=True, text=True, check=True)
    assert float(probe.stdout.strip()) >= 3


def _runs(playlist: Path) -> list[list[str]]:
    """A playlist's segment names, one list per ffmpeg run (runs are split by a discontinuity)."""
    runs: list[list[str]] = [[]]
    for line in playlist.read_text().splitlines() if playlist.exists() else []:
        if line.startswith("#EXT-X-DISCONTINUITY") and runs[-1]:
            runs.append([])
        elif line.endswith(".ts"):
            runs[-1].append(line)
    return runs


def _picture_size(segment: Path) -> tuple[int, int]:
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                            "-of", "json", str(segment)], capture_output=True, text=True, check=True)
    stream = json.loads(probe.stdout)["streams"][0]
    return int(stream["width"]), int(stream["height"])


def test_a_dual_lessons_hls_shows_the_master_classroom(tmp_path_factory: pytest.TempPathFactory):
    """The remote classroom publishes first and is shown until the master publishes; the HLS then
    shows the master, and falls back to the remote classroom when the master leaves. The two are
    told apart by their picture sizes in the copied source variant."""
    remote_size, master_size = (320, 240), (352, 288)
    data = tmp_path_factory.mktemp("hls-dual")
    relay = RelayProcess(data, live_grace_seconds=2, live_segment_seconds=2, live_hls_segment_seconds=1)
    room = f"room-{uuid.uuid4().hex[:8]}"
    folder = hls_folder(data / "media", room)
    src = folder / "src" / "index.m3u8"

    def classroom(label: str, sub: str, master: bool) -> str:
        return live_token(room, "classroom", "dual", sub=sub, label=label, master=master)

    def shown() -> tuple[str, int]:
        stats = _hls_stats(relay, room) or {}
        return stats.get("label"), stats.get("switches")

    loop = _Loop()
    try:
        remote, _ = loop.run(peers.publish(relay.base_url, room, classroom("辅助端", "2", False),
                                           width=remote_size[0], height=remote_size[1], fps=15))
        wait_for(lambda: len(_runs(src)[0]) >= 2, 30, "live HLS segments of the remote classroom")
        assert shown() == ("辅助端", 0)
        master, _ = loop.run(peers.publish(relay.base_url, room, classroom("主讲端", "1", True),
                                           width=master_size[0], height=master_size[1], fps=15))
        status = httpx.get(f"{relay.base_url}/rooms/{room}",
                           headers={"Authorization": f"Bearer {classroom('主讲端', '1', True)}"}).json()
        assert {p["label"]: p["master"] for p in status["publishers"]} == {"辅助端": False, "主讲端": True}
        wait_for(lambda: len(runs := _runs(src)) == 2 and len(runs[1]) >= 3, 30, "HLS segments of the master")
        assert shown() == ("主讲端", 1)
        loop.run(master.leave())
        wait_for(lambda: len(runs := _runs(src)) == 3 and len(runs[2]) >= 2, 30, "the fallback to the remote classroom")
        assert shown() == ("辅助端", 2)
        loop.run(remote.leave())
        wait_for(lambda: "#EXT-X-ENDLIST" in src.read_text(), 30, "ENDLIST")
    finally:
        loop.close()
        relay.stop()
    expected = [remote_size, master_size, remote_size]
    for variant in ("src", "low"):  # copied, and encoded (both sizes are under the low rendition's 360p)
        runs = _runs(folder / variant / "index.m3u8")
        assert len(runs) == 3, f"{variant}: {runs}"
        for run, size in zip(runs, expected, strict=True):
            sizes = {_picture_size(folder / variant / name) for name in run}
            assert sizes == {size}, (variant, run, sizes)
    decode = subprocess.run(["ffmpeg", "-v", "error", "-i", str(folder / "master.m3u8"), "-map", "0:v:0",
                             "-f", "null", "-"], capture_output=True, text=True, timeout=60)
    assert decode.returncode == 0, decode.stderr[-2000:]
