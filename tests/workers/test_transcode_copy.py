"""A phone's H.264 at up to 720p becomes the top rendition without re-encoding; others are encoded."""

from __future__ import annotations

import subprocess
from pathlib import Path

import ffmpeg

from tingke.media_probe import probe
from workers.media.transcode import copyable_h264, encode_ladder


def _clip(path: Path, *extra: str, size: str = "640x360", rate: int = 25) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}",
                    "-f", "lavfi", "-i", "sine=frequency=440", "-t", "8", "-c:v", "libx264", "-preset",
                    "ultrafast", "-g", "25", *extra, "-c:a", "aac", "-shortest", str(path)], check=True)
    return path


def _video_stream(path: Path) -> dict:  # type: ignore[type-arg]
    return next(s for s in ffmpeg.probe(str(path))["streams"] if s["codec_type"] == "video")


def test_baseline_phone_clip_is_copied(env, tmp_path):
    source = _clip(tmp_path / "phone.mp4", "-profile:v", "baseline", "-level", "3.0")
    info = probe(source)
    assert copyable_h264(info) == "avc1.42e01e"
    ladder = encode_ladder(source, info, tmp_path / "hls")
    top = ladder[0]
    assert top.copy_codec == "avc1.42e01e" and (top.width, top.height) == (640, 360)
    first_segment = sorted((tmp_path / "hls" / top.name).glob("*.ts"))[0]
    stream = _video_stream(first_segment)
    assert stream["profile"] == "Constrained Baseline", "the copied rendition keeps the source's bitstream"
    master = (tmp_path / "hls" / "master.m3u8").read_text()
    assert 'CODECS="avc1.42e01e,mp4a.40.2"' in master
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", str(tmp_path / "hls" / top.name / "index.m3u8"),
                              "-f", "null", "-"], capture_output=True, text=True)
    assert decoded.returncode == 0 and not decoded.stderr


def test_high_frame_rate_or_large_sources_are_encoded(env, tmp_path):
    fast = probe(_clip(tmp_path / "fast.mp4", rate=60))
    big = probe(_clip(tmp_path / "big.mp4", size="1920x1080"))
    assert copyable_h264(fast) is None and copyable_h264(big) is None
