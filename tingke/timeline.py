"""One timeline for a relay recording: the lesson clock, gaps included.

A recording's segments carry their start on the lesson clock (``manifest.json``). When the publisher
dropped, the next segment starts later than the previous one ended; the playlist and the concat list
give each segment the time until the next one starts, so the recording lasts as long as the lesson
did and a note pinned at the lesson clock's last second falls inside it. Shared by the relay (which
writes the lists) and the workers (which join a lesson's parts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def timeline_durations(segments: Sequence[Mapping[str, Any]]) -> list[float]:
    """Each segment's length on the lesson clock: until the next segment starts (a gap after it
    included), its own media length for the last one."""
    durations = []
    for i, seg in enumerate(segments):
        own = float(seg["duration"])
        if i + 1 < len(segments):
            own = max(own, float(segments[i + 1]["start"]) - float(seg["start"]))
        durations.append(round(own, 3))
    return durations


def timeline_seconds(segments: Sequence[Mapping[str, Any]]) -> float:
    """The recording's length on the lesson clock (what the playlist lasts)."""
    return round(sum(timeline_durations(segments)), 3)


def concat_line(path: str) -> str:
    """An ffconcat ``file`` line, quoted so any path (CJK labels, spaces) is read as written."""
    return "file '" + path.replace("'", "'\\''") + "'"
