"""Correcting one transcript line: the new version, the kept history, the search index, and the job that remakes
the subtitles and the text-dependent analytics (workers: ``refresh_transcript``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.access import AccessContext, can_correct_transcript
from api.errors import APIError, not_found
from models import Lesson, TranscriptRevision, TranscriptSegment, User
from models.search_index import index_lesson

NOT_ALLOWED = APIError(403, "transcript_correct_forbidden",
                       "Only the lesson's teacher and researchers who may observe it can correct its transcript. "
                       "只有本课的授课教师和可以观课的教研员能更正转写稿。")


def get_line(session: Session, lesson: Lesson, segment_id: int) -> TranscriptSegment:
    line = session.get(TranscriptSegment, segment_id)
    if line is None or line.lesson_id != lesson.id:
        raise not_found("transcript line")
    return line


def revisions(session: Session, line: TranscriptSegment) -> list[dict[str, object]]:
    rows = session.execute(
        select(TranscriptRevision, User.display_name).outerjoin(User, User.id == TranscriptRevision.author_id)
        .where(TranscriptRevision.segment_id == line.id).order_by(TranscriptRevision.version)).all()
    return [{"version": r.version, "text": r.text, "speaker": r.speaker, "author_id": r.author_id,
             "author_name": name, "created_at": r.created_at} for r, name in rows]


def line_out(session: Session, line: TranscriptSegment, job_id: int | None = None) -> dict[str, object]:
    return {"id": line.id, "idx": line.idx, "start": line.start, "end": line.end, "text": line.text,
            "speaker": line.speaker, "revisions": revisions(session, line), "job_id": job_id}


def correct_line(session: Session, ctx: AccessContext, lesson: Lesson, line: TranscriptSegment, text: str,
                 speaker: str | None) -> TranscriptSegment:
    """Store the corrected line and its version (the machine's version first, once), and re-index the lesson."""
    if not can_correct_transcript(ctx, lesson):
        raise NOT_ALLOWED
    speaker = speaker or line.speaker
    if text == line.text and speaker == line.speaker:
        raise APIError(422, "transcript_unchanged", "The line is the same as before: change its text or speaker. "
                       "这一行没有改动：请修改文字或说话人。")
    last = session.scalar(select(func.max(TranscriptRevision.version))
                          .where(TranscriptRevision.segment_id == line.id)) or 0
    if last == 0:
        session.add(TranscriptRevision(lesson_id=lesson.id, segment_id=line.id, version=1, start=line.start,
                                       end=line.end, text=line.text, speaker=line.speaker, author_id=None))
        last = 1
    session.add(TranscriptRevision(lesson_id=lesson.id, segment_id=line.id, version=last + 1, start=line.start,
                                   end=line.end, text=text, speaker=speaker, author_id=ctx.user.id))
    line.text, line.speaker = text, speaker
    session.flush()
    index_lesson(session, lesson.id)
    return line
