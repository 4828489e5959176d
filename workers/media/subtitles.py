"""Subtitles wherever the lesson is played: the side-loaded WebVTT file, the WebVTT subtitle rendition of
the HLS master playlist (``#EXT-X-MEDIA:TYPE=SUBTITLES``), and a mov_text track in the MP4 download.

All three are made from the transcript by :func:`publish_subtitles`: the pipeline calls it once the
transcript is stored, and :func:`rebuild_from_transcript` calls it again from the database rows, so a
corrected transcript line reaches the player, the HLS rendition and the download without re-encoding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tingke import processes
from tingke.webvtt import TimedText, to_webvtt
from workers.media.files import new_dir, new_file

SUBTITLE_GROUP = "subs"
SUBTITLE_FOLDER = "subs"  # under hls/
SEGMENT_SECONDS = 60  # one WebVTT segment per minute: a player fetches only the minutes it plays
MPEGTS_CLOCK = 90_000
DEFAULT_MPEGTS = 126_000  # ffmpeg's HLS muxer starts transport streams at 1.4 s


def subtitle_media_tag() -> str:
    """The master playlist line of the subtitle rendition (Simplified Chinese, on by default)."""
    return (f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{SUBTITLE_GROUP}",NAME="中文",LANGUAGE="zh-CN",'
            f'DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,URI="{SUBTITLE_FOLDER}/index.m3u8"')


@dataclass
class Cue:
    start: float
    end: float
    text: str


def first_pts(hls_dir: Path) -> int:
    """The MPEG-TS time the renditions start at, in 90 kHz ticks: WebVTT segments map their local time 0
    to it (``X-TIMESTAMP-MAP``), as players align subtitles to the video's transport stream clock."""
    for rendition in sorted(p for p in hls_dir.iterdir() if p.is_dir() and p.name != SUBTITLE_FOLDER):
        segments = sorted(rendition.glob("*.ts"))
        if not segments:
            continue
        out = processes.run(["ffprobe", "-v", "error", "-show_entries", "format=start_time", "-of", "csv=p=0",
                             str(segments[0])], capture_output=True, text=True)
        try:
            return round(float(out.stdout.strip()) * MPEGTS_CLOCK)
        except ValueError:
            continue
    return DEFAULT_MPEGTS


def subtitle_playlist(duration: float) -> str:
    count = max(1, math.ceil(duration / SEGMENT_SECONDS))
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for i in range(count):
        length = min(SEGMENT_SECONDS, max(0.001, duration - i * SEGMENT_SECONDS))
        lines += [f"#EXTINF:{length:.3f},", f"seg{i:05d}.vtt"]
    return "\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n"


def write_subtitle_rendition(hls_dir: Path, cues: Sequence[TimedText], duration: float) -> None:
    """hls/subs/index.m3u8 and one WebVTT segment per minute (swapped in atomically). A cue that spans a
    segment boundary is in both segments, as the HLS specification asks."""
    header = f"X-TIMESTAMP-MAP=MPEGTS:{first_pts(hls_dir)},LOCAL:00:00:00.000"
    count = max(1, math.ceil(duration / SEGMENT_SECONDS))
    ordered = sorted(cues, key=lambda c: (c.start, c.end))
    with new_dir(hls_dir / SUBTITLE_FOLDER) as tmp:
        for i in range(count):
            lo, hi = i * SEGMENT_SECONDS, (i + 1) * SEGMENT_SECONDS
            inside = [c for c in ordered if c.start < hi and c.end > lo]
            first = 1 + sum(1 for c in ordered if c.start < lo and c.end <= lo)
            (tmp / f"seg{i:05d}.vtt").write_text(to_webvtt(inside, header=header, first_number=first),
                                                 encoding="utf-8")
        (tmp / "index.m3u8").write_text(subtitle_playlist(duration))


def publish_subtitles(folder: Path, cues: Sequence[TimedText], duration: float) -> Path:
    """A lesson folder's subtitles.vtt and, once its HLS ladder exists, the ladder's subtitle rendition.
    Returns the WebVTT file (the downloads take it as their subtitle track)."""
    vtt = folder / "subtitles.vtt"
    with new_file(vtt) as tmp:
        tmp.write_text(to_webvtt(cues), encoding="utf-8")
    if (folder / "hls").is_dir():
        write_subtitle_rendition(folder / "hls", cues, duration)
    return vtt


def rebuild_from_transcript(session: object, lesson_id: int) -> bool:
    """Make the lesson's subtitles again from its stored transcript (after a correction): the WebVTT file,
    the HLS rendition and the download's subtitle track. False when the lesson has no processed media."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from models import Lesson, MediaAsset, MediaKind, TranscriptSegment
    from tingke.settings import get_settings
    from workers.media.transcode import Rendition, make_download

    assert isinstance(session, Session)
    lesson = session.get(Lesson, lesson_id)
    hls = session.scalars(select(MediaAsset).where(MediaAsset.lesson_id == lesson_id,
                                                   MediaAsset.kind == MediaKind.hls)).first()
    if lesson is None or hls is None:
        return False
    root = get_settings().media_root
    folder = (root / hls.path).parent.parent
    rows = session.scalars(select(TranscriptSegment).where(TranscriptSegment.lesson_id == lesson_id)
                           .order_by(TranscriptSegment.idx)).all()
    duration = float(hls.duration_seconds or lesson.media_duration_seconds or 0.0)
    vtt = publish_subtitles(folder, [Cue(r.start, r.end, r.text) for r in rows], duration)
    ladder = [Rendition(**r) for r in hls.meta.get("ladder", [])]
    if ladder and hls.meta.get("download"):
        make_download(folder / "hls", ladder, root / hls.meta["download"], vtt)
    return True
