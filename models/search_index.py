"""Write side of the library search: rebuild one lesson's index rows from the database.

``index_lesson`` is idempotent (delete then insert, in the caller's transaction) so the pipeline, the
lesson endpoints and observation submission can all call it whenever something searchable changed.
Searchable: title, topic, teacher, school, subject, grade, kind, the tags of submitted notes, the
transcript segments (with their times), the lines read off the board and slides (source ``board``, with the
time each first appeared) and the submitted notes (with their time).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from models import (
    BoardTextLine,
    Lesson,
    LessonKind,
    Note,
    Observation,
    ObservationState,
    SearchDoc,
    SearchLesson,
    TranscriptSegment,
)
from models.default_rubric import DIMENSIONS
from models.search_tokens import bigram_tokens, fold, pg_terms

KIND_NAMES = {
    LessonKind.ordinary: "常态课", LessonKind.open: "公开课", LessonKind.demonstration: "示范课",
    LessonKind.observation: "观摩课", LessonKind.competition: "优质课", LessonKind.spot_check: "抽测课",
}
TAG_NAMES = {code: zh for code, zh, _en, _w, _d in DIMENSIONS}
META_SOURCES = ("title", "topic", "teacher", "school", "subject", "grade", "kind", "tag")
SUBMITTED = (ObservationState.submitted, ObservationState.signed_off)


@dataclass(frozen=True)
class Passage:
    source: str
    text: str
    ref_id: int | None = None
    t_start: float | None = None
    t_end: float | None = None


def lesson_passages(session: Session, lesson: Lesson) -> list[Passage]:
    """Everything searchable about a lesson, metadata first."""
    meta = [
        Passage("title", lesson.title), Passage("topic", lesson.topic if lesson.topic != lesson.title else ""),
        Passage("teacher", lesson.teacher.display_name), Passage("school", lesson.school.name),
        Passage("subject", lesson.subject), Passage("grade", lesson.grade),
        Passage("kind", KIND_NAMES.get(lesson.kind, str(lesson.kind))),
    ]
    notes = session.execute(
        select(Note.id, Note.t, Note.text, Note.tags)
        .join(Observation, Observation.id == Note.observation_id)
        .where(Observation.lesson_id == lesson.id, Observation.state.in_(SUBMITTED))
        .order_by(Note.t, Note.id)
    ).all()
    tags = sorted({tag for *_, note_tags in notes for tag in (note_tags or [])},
                  key=lambda code: list(TAG_NAMES).index(code) if code in TAG_NAMES else len(TAG_NAMES))
    meta += [Passage("tag", TAG_NAMES.get(code, code)) for code in tags]
    segments = session.execute(
        select(TranscriptSegment.id, TranscriptSegment.start, TranscriptSegment.end, TranscriptSegment.text)
        .where(TranscriptSegment.lesson_id == lesson.id)
        .order_by(TranscriptSegment.idx)
    ).all()
    timed = [Passage("transcript", seg_text, seg_id, start, end) for seg_id, start, end, seg_text in segments]
    board = session.execute(
        select(BoardTextLine.id, BoardTextLine.start, BoardTextLine.end, BoardTextLine.text)
        .where(BoardTextLine.lesson_id == lesson.id)
        .order_by(BoardTextLine.idx)
    ).all()
    timed += [Passage("board", line_text, line_id, start, end) for line_id, start, end, line_text in board]
    timed += [Passage("note", note_text, note_id, t, t) for note_id, t, note_text, _ in notes]
    return [p for p in meta + timed if p.text.strip()]


def index_lesson(session: Session, lesson_id: int) -> int:
    """Replace the lesson's index rows; returns how many passages are indexed (0 if the lesson is gone)."""
    bind = session.get_bind()
    dialect = bind.dialect.name
    # Serialise concurrent re-indexing of one lesson on PostgreSQL (SQLite has a single writer anyway).
    lesson = session.scalar(select(Lesson).where(Lesson.id == lesson_id).with_for_update())
    session.execute(delete(SearchDoc).where(SearchDoc.lesson_id == lesson_id))
    session.execute(delete(SearchLesson).where(SearchLesson.lesson_id == lesson_id))
    if dialect == "sqlite":
        session.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": lesson_id})
    if lesson is None:
        return 0
    passages = lesson_passages(session, lesson)
    session.execute(insert(SearchDoc), [
        {"lesson_id": lesson_id, "source": p.source, "ref_id": p.ref_id, "t_start": p.t_start,
         "t_end": p.t_end, "text": p.text} for p in passages
    ])
    meta = fold("\n".join(p.text for p in passages if p.source in META_SOURCES))
    body = fold("\n".join(p.text for p in passages if p.source not in META_SOURCES))
    if dialect == "postgresql":
        session.execute(text(
            "INSERT INTO search_lessons (lesson_id, meta, body, tokens, indexed_at) VALUES (:id, :meta, :body, "
            "array_to_tsvector(CAST(:terms AS text[])), now())"
        ), {"id": lesson_id, "meta": meta, "body": body, "terms": pg_terms(meta, body)})
    else:
        session.execute(insert(SearchLesson).values(lesson_id=lesson_id, meta=meta, body=body))
        session.execute(text("INSERT INTO search_fts (rowid, meta, body) VALUES (:id, :mt, :bt)"),
                        {"id": lesson_id, "mt": bigram_tokens(meta), "bt": bigram_tokens(body)})
    session.flush()
    return len(passages)


def reindex_all(session: Session) -> int:
    """Rebuild the whole library index (after a restore, or for lessons made outside the API); on PostgreSQL
    refresh the planner's statistics of the rebuilt table too."""
    ids = list(session.scalars(select(Lesson.id).order_by(Lesson.id)))
    for lesson_id in ids:
        index_lesson(session, lesson_id)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE search_lessons, search_docs"))
    return len(ids)
