"""A ready lesson with a real HLS ladder, made by the product's own transcoder from a few seconds of ffmpeg's
test picture and tone: what a viewer's player fetches, without running the whole pipeline."""

from __future__ import annotations

import subprocess
from pathlib import Path

from models import LessonStatus, MediaAsset, MediaKind
from models.db import session_scope
from tingke.media_probe import probe
from tingke.settings import get_settings
from workers.media.transcode import encode_ladder, ladder_json, make_download


def make_ready_lesson(db_url: str, lesson_id: int, seconds: int = 6) -> Path:
    """Give the lesson an HLS ladder and a download under media_root; returns its folder."""
    folder = get_settings().media_root / "lessons" / str(lesson_id)
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "source.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=15",
                    "-f", "lavfi", "-i", "sine=frequency=440", "-t", str(seconds), "-c:v", "libx264", "-preset",
                    "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(source)], check=True, timeout=60)
    info = probe(source)
    hls = folder / "hls"
    ladder = encode_ladder(source, info, hls)
    make_download(hls, ladder, folder / "download.mp4")
    root = get_settings().media_root
    with session_scope(db_url) as session:
        from models import Lesson

        lesson = session.get(Lesson, lesson_id)
        assert lesson is not None
        lesson.status = LessonStatus.ready
        lesson.media_duration_seconds = info.duration
        def rel(path: Path) -> str:
            return str(path.relative_to(root))

        session.add(MediaAsset(lesson_id=lesson_id, kind=MediaKind.hls, path=rel(hls / "master.m3u8"),
                               content_type="application/vnd.apple.mpegurl", bytes=1, duration_seconds=info.duration,
                               meta={"ladder": ladder_json(ladder), "audio": rel(hls / "a" / "index.m3u8"),
                                     "download": rel(folder / "download.mp4")}))
    return folder
