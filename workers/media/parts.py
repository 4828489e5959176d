"""A classroom's live recording in several parts, joined into one source for processing.

A lesson's recording can come in more than one part per publisher label (the relay restarted
mid-lesson and the teacher came back, or a later recording was registered): every part is kept and
processed, in the order they were recorded, and none replaces another. The parts are joined by a
concat list of their segments (each part on its own lesson clock, gaps inside it kept as time).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from tingke.timeline import concat_line, timeline_durations
from workers.media import files


def part_segments(playlist: Path) -> list[tuple[Path, float]]:
    """The segment files of one relay recording and their lengths on its timeline (manifest.json
    beside the playlist)."""
    manifest = json.loads((playlist.parent / "manifest.json").read_text(encoding="utf-8"))
    segments = [s for s in manifest.get("segments", []) if float(s.get("duration") or 0) > 0]
    return [(playlist.parent / s["file"], d) for s, d in zip(segments, timeline_durations(segments), strict=True)]


def join_parts(playlists: Sequence[Path], target: Path) -> Path:
    """Write ``target`` (an .ffconcat list) playing ``playlists`` one after another; returns it."""
    lines = ["ffconcat version 1.0"]
    for playlist in playlists:
        for path, seconds in part_segments(playlist):
            lines += [concat_line(str(path.resolve())), f"duration {seconds:.3f}"]
    with files.new_file(target) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def parts_file(folder: Path, label: str) -> Path:
    """Where a label's joined list lives in the lesson's work folder."""
    name = re.sub(r"[^\w\-]+", "_", label, flags=re.UNICODE).strip("._")[:60] or "main"
    return folder / "parts" / f"{name}.ffconcat"
