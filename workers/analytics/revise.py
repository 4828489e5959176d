"""The analytics of a corrected transcript, from the stored analysis alone (no audio is decoded again).

What depends on the transcript is recomputed: the teacher questions and their waits (the text), the line
speakers, and, where a person changed who spoke a line, the S-T sampling and talk time (the line's time span
is given to the role they chose). The machine's speech regions are kept under ``machine_speech`` so every
revision starts from them, not from an earlier revision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workers.analytics.activity import STUDENT, TEACHER, Region, SpeechActivity, merge_regions, subtract_regions
from workers.analytics.service import TimedText
from workers.analytics.st import st_analysis
from workers.analytics.talk import questions_and_wait, talk_time


def _inside(regions: list[Region], start: float, end: float) -> list[Region]:
    return [(max(a, start), min(b, end)) for a, b in regions if min(b, end) > max(a, start)]


def reassign(regions: dict[str, list[Region]], spans: Sequence[tuple[float, float, str]]) -> dict[str, list[Region]]:
    """The speech inside each (start, end, role) span moved to that role (teacher or student)."""
    out = {role: list(regions.get(role, [])) for role in (TEACHER, STUDENT)}
    for start, end, role in spans:
        if role not in out:
            continue
        other = STUDENT if role == TEACHER else TEACHER
        moved = _inside(out[other], start, end)
        out[other] = subtract_regions(out[other], [(start, end)])
        out[role] = merge_regions(out[role] + moved)
    return out


def revise_analytics(data: Mapping[str, Any], lines: Sequence[TimedText], speakers: Sequence[str | None],
                     reassigned: Sequence[tuple[float, float, str]]) -> dict[str, Any]:
    """``data`` (a stored analysis) made again for the corrected ``lines``; ``reassigned``: (start, end, role) of
    the lines whose speaker a person changed to teacher or student."""
    machine = data.get("machine_speech") or data.get("speech") or {}
    base = {role: [(float(a), float(b)) for a, b in machine.get(role, [])] for role in (TEACHER, STUDENT)}
    duration = float(data.get("duration") or 0.0)
    activity = SpeechActivity(duration, reassign(base, reassigned), str(data.get("speaker_method", "tracks")),
                              dict(data.get("speaker_details") or {}))
    interval = float((data.get("st") or {}).get("sample_seconds") or 30.0)
    speech_seconds = data.get("speech_seconds")
    return {
        **data,
        "machine_speech": machine,
        "st": st_analysis(activity.of(TEACHER), duration, interval, speech_seconds),
        "talk_time": talk_time(activity),
        "questions": questions_and_wait(lines, list(speakers), activity),
        "speech": {role: [[round(a, 2), round(b, 2)] for a, b in activity.of(role)] for role in (TEACHER, STUDENT)},
        "segment_speakers": list(speakers),
    }
