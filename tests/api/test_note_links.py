"""A note points at the same transcript sentence whether it was typed after the transcript existed (the
API links it) or before (the pipeline links it once the lesson is transcribed): one rule, models.transcript_links."""

from __future__ import annotations

from sqlalchemy import select

from models import Lesson, TranscriptSegment
from models.db import session_scope
from models.transcript_links import segment_at, segment_id_at

SENTENCES = [(3.0, 8.0), (8.0, 15.0), (30.0, 36.0)]  # a silence from 15 to 30 s


def test_typed_and_relinked_notes_point_at_the_same_sentence(db_url, demo):
    with session_scope(db_url) as session:
        lesson = session.scalars(select(Lesson).order_by(Lesson.id)).first()
        assert lesson is not None
        for idx, (start, end) in enumerate(SENTENCES):
            session.add(TranscriptSegment(lesson_id=lesson.id, idx=idx, start=start, end=end, text=f"第{idx}句"))
        session.flush()
        segments = list(session.scalars(select(TranscriptSegment).where(TranscriptSegment.lesson_id == lesson.id)
                                        .order_by(TranscriptSegment.idx)))
        ids = [s.id for s in segments]
        expected = {0.0: ids[0], 5.0: ids[0], 8.0: ids[1], 17.0: ids[1], 26.0: ids[2], 22.5: None, 40.0: ids[2],
                    41.5: None, 100.0: None}
        for t, wanted in expected.items():
            in_memory = segment_at(segments, t)
            assert (in_memory.id if in_memory else None) == wanted, t
            assert segment_id_at(session, lesson.id, t) == wanted, t
