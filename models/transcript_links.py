"""Which transcript sentence a moment of the lesson belongs to: one rule for the note a person types
(api/observations) and for the notes re-linked once a recording is transcribed (workers/pipeline), so a note
points at the same sentence in the report, the player and the search.

The rule: the sentence being spoken at ``t``; between sentences, the closest one within ``TOLERANCE``
seconds (a note is often typed just after the words it is about); else none.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.media import TranscriptSegment

TOLERANCE = 5.0


def segment_at(segments: Iterable[TranscriptSegment], t: float,
               tolerance: float = TOLERANCE) -> TranscriptSegment | None:
    """The segment spoken at time t; else the closest one within ``tolerance`` seconds."""
    best, best_gap = None, tolerance
    for seg in segments:
        if seg.start <= t < seg.end:
            return seg
        gap = min(abs(t - seg.start), abs(t - seg.end))
        if gap <= best_gap:
            best, best_gap = seg, gap
    return best


def segment_id_at(session: Session, lesson_id: int, t: float, tolerance: float = TOLERANCE) -> int | None:
    """:func:`segment_at` over the lesson's stored sentences near ``t`` (only those can qualify)."""
    near = session.scalars(
        select(TranscriptSegment)
        .where(TranscriptSegment.lesson_id == lesson_id, TranscriptSegment.start <= t + tolerance,
               TranscriptSegment.end >= t - tolerance)
        .order_by(TranscriptSegment.start)
    ).all()
    found = segment_at(near, t, tolerance)
    return found.id if found is not None else None
