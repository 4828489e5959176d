"""The lesson's lifecycle has one owner (models/lifecycle.py, issue 17): every plane moves a lesson through
it, a move it does not allow is refused, and only a whole-pipeline job ends a lesson's processing: a
transcript refresh that fails leaves the recording ready (it used to mark the lesson failed and tell its
teacher the recording had failed), and one that succeeds tells nobody again that the recording is ready."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Job, JobState, Lesson, LessonStatus, Notification, lifecycle
from models.db import session_scope
from models.lifecycle import FINISHED, MOVES, PUBLISHABLE, JobKind, TransitionError
from workers import jobs

S = LessonStatus


def test_the_table_covers_every_state_and_refuses_what_no_plane_does() -> None:
    assert set(MOVES) == set(LessonStatus)
    assert set(FINISHED) | set(PUBLISHABLE) == set(LessonStatus) and not set(FINISHED) & set(PUBLISHABLE)
    for never in ((S.scheduled, S.ready), (S.scheduled, S.failed), (S.ready, S.failed), (S.failed, S.ready),
                  (S.ready, S.scheduled), (S.live, S.ready)):
        assert not lifecycle.allowed(*never), never
    lesson = Lesson(id=1, title="x", status=S.scheduled)
    with pytest.raises(TransitionError, match="scheduled cannot become ready"):
        lifecycle.move(lesson, S.ready)
    assert lesson.status == S.scheduled
    lifecycle.move(lesson, S.live)
    assert lesson.status == S.live


def _lesson(db_url: str, status: LessonStatus) -> int:
    with session_scope(db_url) as session:
        lesson = session.scalars(select(Lesson).order_by(Lesson.id)).first()
        assert lesson is not None
        lesson.status = status
        return lesson.id


def _job(db_url: str, lesson_id: int, kind: JobKind) -> int:
    with session_scope(db_url) as session:
        job = Job(lesson_id=lesson_id, kind=kind.value, state=JobState.running, owner="test-worker")
        session.add(job)
        session.flush()
        return job.id


def _notices(db_url: str, lesson_id: int) -> int:
    with session_scope(db_url) as session:
        return session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.link == f"/lessons/{lesson_id}")) or 0


def test_a_transcript_refresh_never_ends_or_fails_the_lesson(demo, db_url) -> None:
    lesson = _lesson(db_url, S.ready)
    before = _notices(db_url, lesson)
    assert jobs.finish(_job(db_url, lesson, JobKind.refresh_transcript), "test-worker", error="subtitles: disk full")
    assert jobs.finish(_job(db_url, lesson, JobKind.refresh_transcript), "test-worker")
    with session_scope(db_url) as session:
        row = session.get(Lesson, lesson)
        assert row is not None and row.status == S.ready and row.failure_reason is None
    assert _notices(db_url, lesson) == before  # nobody is told again that the recording is ready (or failed)


def test_conditional_moves_lose_a_race_quietly(demo, db_url) -> None:
    lesson = _lesson(db_url, S.ready)
    with session_scope(db_url) as session:  # a publisher arriving for a finished lesson: not reopened
        assert not lifecycle.move_where(session, lesson, S.live, only_from=PUBLISHABLE)
    with session_scope(db_url) as session:
        assert session.get(Lesson, lesson).status == S.ready  # type: ignore[union-attr]
        with pytest.raises(TransitionError):  # a caller asking for a move the table does not have
            lifecycle.move_where(session, lesson, S.ready, only_from=[S.scheduled])
