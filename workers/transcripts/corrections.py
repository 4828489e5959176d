"""People's corrections outlive a reprocess: the pipeline replaces a lesson's transcript rows, and a line that
comes back as the machine heard it before (same times, same text: the transcription is cached or repeatable)
gets its corrected text and speaker again, and its history follows it to the new row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import TranscriptRevision, TranscriptSegment

SAME_TIME = 0.05  # seconds


@dataclass
class Corrected:
    start: float
    end: float
    machine_text: str
    text: str
    speaker: str | None
    machine_speaker: str | None
    revision_ids: list[int] = field(default_factory=list)


def corrected_lines(session: Session, lesson_id: int) -> list[Corrected]:
    """The lesson's corrected lines (before its rows are replaced): machine version, newest version, history."""
    rows = session.scalars(select(TranscriptRevision).where(TranscriptRevision.lesson_id == lesson_id,
                                                            TranscriptRevision.segment_id.is_not(None))
                           .order_by(TranscriptRevision.segment_id, TranscriptRevision.version)).all()
    by_line: dict[int, list[TranscriptRevision]] = {}
    for r in rows:
        if r.segment_id is not None:
            by_line.setdefault(r.segment_id, []).append(r)
    return [Corrected(v[0].start, v[0].end, v[0].text, v[-1].text, v[-1].speaker, v[0].speaker,
                      [r.id for r in v])
            for v in by_line.values() if len(v) > 1]


def reapply(kept: Sequence[Corrected], segments: list[dict[str, Any]]) -> list[tuple[int, Corrected]]:
    """Put the corrections into the new segments ({start, end, text, speaker}) whose machine line they repeat,
    before subtitles and rows are made from them; returns (segment index, correction) pairs."""
    matched: list[tuple[int, Corrected]] = []
    for c in kept:
        index = next((i for i, s in enumerate(segments) if abs(s["start"] - c.start) <= SAME_TIME
                      and abs(s["end"] - c.end) <= SAME_TIME and s["text"] == c.machine_text), None)
        if index is None:
            continue
        segments[index] = {**segments[index], "text": c.text, "speaker": c.speaker}
        matched.append((index, c))
    return matched


def relink(session: Session, matched: Sequence[tuple[int, Corrected]], rows: Sequence[TranscriptSegment]) -> None:
    """The history of each carried-over correction points at its new row (flushed, with an id)."""
    for index, c in matched:
        session.execute(update(TranscriptRevision).where(TranscriptRevision.id.in_(c.revision_ids))
                        .values(segment_id=rows[index].id))


def reassigned_spans(matched: Sequence[tuple[int, Corrected]]) -> list[tuple[float, float, str]]:
    """(start, end, role) of the carried-over lines whose speaker a person changed (for revise_analytics)."""
    return [(c.start, c.end, c.speaker) for _, c in matched if c.speaker and c.speaker != c.machine_speaker]
