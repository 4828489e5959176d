"""The ``refresh_transcript`` job, queued by a transcript correction: the subtitles (the WebVTT file, the HLS
subtitle rendition, the download's subtitle track) and the analytics that depend on the text, made again from
the stored transcript. Idempotent: it always starts from what is stored."""

from __future__ import annotations

from sqlalchemy import select

from models import LessonAnalytics, TranscriptRevision, TranscriptSegment
from models.db import session_scope
from tingke.settings import get_settings
from workers.analytics.revise import revise_analytics
from workers.jobs import Heartbeat, assert_ours, set_progress
from workers.media.subtitles import rebuild_from_transcript


def refresh_transcript(job_id: int, owner: str, beat: Heartbeat, lesson_id: int) -> dict[str, object]:
    """Remake subtitles and analytics for the lesson; returns what was done (for Job.report)."""
    set_progress(job_id, owner, "subtitles", 10)
    with session_scope(get_settings().db_url) as session:
        beat.check()
        assert_ours(session, job_id, owner)
        subtitles = rebuild_from_transcript(session, lesson_id)
    set_progress(job_id, owner, "analyse", 60)
    with session_scope(get_settings().db_url) as session:
        beat.check()
        assert_ours(session, job_id, owner)
        row = session.get(LessonAnalytics, lesson_id)
        if row is None:
            return {"subtitles": subtitles, "analytics": False}
        lines = session.scalars(select(TranscriptSegment).where(TranscriptSegment.lesson_id == lesson_id)
                                .order_by(TranscriptSegment.idx)).all()
        machine = dict(session.execute(select(TranscriptRevision.segment_id, TranscriptRevision.speaker).where(
            TranscriptRevision.lesson_id == lesson_id, TranscriptRevision.version == 1)).all())
        reassigned = [(line.start, line.end, line.speaker) for line in lines
                      if line.id in machine and line.speaker != machine[line.id] and line.speaker is not None]
        row.data, row.job_id = revise_analytics(row.data, lines, [line.speaker for line in lines], reassigned), job_id
    return {"subtitles": subtitles, "analytics": True, "reassigned_lines": len(reassigned)}
