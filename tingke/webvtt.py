"""WebVTT subtitles from transcript segments (what HTML5 <track> and hls.js read)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class TimedText(Protocol):
    start: float
    end: float
    text: str


def format_timestamp(seconds: float) -> str:
    """WebVTT cue time ``HH:MM:SS.mmm``."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _cue_text(text: str) -> str:
    # "-->" would end the cue timing line's meaning inside a payload; blank lines end a cue;
    # & and < start entities and tags.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "\n".join(line for line in text.splitlines() if line.strip()) or " "


def to_webvtt(segments: Iterable[TimedText], *, header: str = "", first_number: int = 1) -> str:
    """A complete WebVTT document, one numbered cue per segment, in time order. ``header`` goes on the
    lines after ``WEBVTT`` (an HLS subtitle segment's ``X-TIMESTAMP-MAP``)."""
    lines = ["WEBVTT", *([header] if header else []), ""]
    ordered = sorted(segments, key=lambda s: (s.start, s.end))
    for number, segment in enumerate(ordered, start=first_number):
        end = max(segment.end, segment.start + 0.001)
        lines += [str(number), f"{format_timestamp(segment.start)} --> {format_timestamp(end)}",
                  _cue_text(segment.text), ""]
    return "\n".join(lines)
