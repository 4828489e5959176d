"""What a 100 kbit/s link gets from the ladder: an audio-only rendition whose every segment stays under
48 kbit/s (measured with ffprobe, transport stream included), the subtitles as a WebVTT rendition of the master
playlist and as a mov_text track of the MP4 download, all rebuilt from the stored transcript after a correction."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from models import MediaAsset, MediaKind, TranscriptSegment
from models.db import session_scope
from testkit.synth_lesson import make_lesson
from tests.support.pipeline import token_headers
from tests.support.ready_lesson import process_with_transcript
from tingke.media_probe import probe
from tingke.settings import get_settings
from workers.media.subtitles import rebuild_from_transcript
from workers.media.transcode import encode_ladder, playlist_segments

pytestmark = pytest.mark.slow

PEAK_LIMIT_BPS = 48_000
LESSON = 2


def _segment_bps(segment: Path) -> float | None:
    """Bits per second of one segment file as ffprobe reads it (None: a last sliver ffprobe finds no frame in)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=size,duration", "-of",
                          "default=nw=1:nk=1", str(segment)], capture_output=True, text=True)
    if out.returncode != 0:
        assert segment.stat().st_size < 2048, f"{segment.name} cannot be read: {out.stderr}"
        return None
    duration, size = (float(x) for x in out.stdout.split())
    return size * 8 / duration


def test_audio_rendition_peaks_under_48_kbit(env: Path, tmp_path: Path) -> None:
    # Speech between digital silence (no room noise) is the encoder's worst case: it spends on the words.
    synth = make_lesson(minutes=0.75, size="854x480")
    assert synth.video is not None
    ladder = encode_ladder(synth.video, probe(synth.video), tmp_path / "hls")
    audio = next(r for r in ladder if r.height is None)
    segments = playlist_segments(tmp_path / "hls" / audio.name / "index.m3u8")
    rates = [r for duration, path in segments if duration > 0.5 and (r := _segment_bps(path)) is not None]
    assert len(rates) >= 10 and max(rates) < PEAK_LIMIT_BPS, [round(r) for r in rates]
    master = (tmp_path / "hls" / "master.m3u8").read_text()
    assert f"BANDWIDTH={audio.peak_bps}," in master and audio.peak_bps < PEAK_LIMIT_BPS
    heights = [int(line.split("RESOLUTION=")[1].split("x")[1].split(",")[0]) for line in master.splitlines()
               if "RESOLUTION=" in line]
    assert heights == sorted(heights), "a player starts with the first variant: the lightest picture comes first"


def _mp4_subtitles(path: Path) -> str:
    return subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:s", "-f", "webvtt", "-"],
                          capture_output=True, text=True, check=True).stdout


def test_subtitles_in_every_rendition_and_rebuilt_after_a_correction(sqlite_db: str, sqlite_demo: dict[str, int],
                                                                      sqlite_client: TestClient) -> None:
    synth = make_lesson(minutes=0.75, size="854x480")
    assert synth.video is not None
    lines = [(s.start, s.end, s.text) for _, s in synth.sentences]
    process_with_transcript(sqlite_db, LESSON, synth.video, lines)
    headers = token_headers(sqlite_client, "teacher2")
    media = sqlite_client.get(f"/api/lessons/{LESSON}/media", headers=headers).json()
    master = sqlite_client.get(media["hls"]).text
    tag = next(line for line in master.splitlines() if line.startswith("#EXT-X-MEDIA:"))
    assert "TYPE=SUBTITLES" in tag and 'LANGUAGE="zh-CN"' in tag and "DEFAULT=YES" in tag
    assert all('SUBTITLES="subs"' in line for line in master.splitlines() if line.startswith("#EXT-X-STREAM-INF"))
    subs_url = tag.split('URI="', 1)[1].split('"', 1)[0]
    assert "md5=" in subs_url, "the rendition's playlist is signed like the others"
    subs = sqlite_client.get(subs_url)
    assert subs.status_code == 200, subs.text
    segment_urls = [line for line in subs.text.splitlines() if line and not line.startswith("#")]
    segment = sqlite_client.get(segment_urls[0])
    assert segment.status_code == 200 and segment.headers["content-type"].startswith("text/vtt")
    assert segment.text.startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:") and lines[0][2] in segment.text
    root = get_settings().media_root
    folder = root / "lessons" / str(LESSON)
    assert lines[1][2] in _mp4_subtitles(folder / "download.mp4")

    # A corrected line reaches the side-loaded file, the HLS rendition and the download's track.
    corrected = "这是更正后的一句话：长方形的面积。"
    with session_scope(sqlite_db) as session:
        row = session.scalars(select(TranscriptSegment).where(TranscriptSegment.lesson_id == LESSON)
                              .order_by(TranscriptSegment.idx)).all()[1]
        row.text = corrected
    with session_scope(sqlite_db) as session:
        assert rebuild_from_transcript(session, LESSON)
        assert session.scalars(select(MediaAsset).where(MediaAsset.lesson_id == LESSON,
                                                        MediaAsset.kind == MediaKind.subtitles)).one()
    assert corrected in (folder / "subtitles.vtt").read_text(encoding="utf-8")
    assert corrected in sqlite_client.get(segment_urls[0]).text
    assert corrected in _mp4_subtitles(folder / "download.mp4")
    assert lines[1][2] not in _mp4_subtitles(folder / "download.mp4")
