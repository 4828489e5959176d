"""The lesson's lifecycle, owned here: its states, the moves between them, and the kinds of processing job.

Every plane moves a lesson through this module (the API on an upload, a reprocess or a resume; the relay
when a room goes live or ends; the workers when a job finishes; the sweeper when a resume is left unused),
so that a move the lifecycle does not allow is refused in one place instead of being written by hand in five::

    scheduled ──on air──▶ live ──ended, recorded──▶ processing ──▶ ready | failed
        │                  │                           ▲   │
        │                  └──ended, nothing recorded──┘   └──resumed (within the window)──▶ live
        └──a recording uploaded──▶ processing  ◀──reprocessed, or a part uploaded── ready | failed

``move`` changes a loaded lesson; ``move_where`` is the conditional UPDATE for moves that race another
plane (a publisher arriving while the sweeper releases an unused resume): it changes the row only if it is
still in one of the given states, and says whether it did.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from models.enums import LessonStatus
from models.lessons import Lesson

S = LessonStatus

MOVES: dict[LessonStatus, frozenset[LessonStatus]] = {
    S.scheduled: frozenset({S.live, S.processing}),  # on air; a recording uploaded
    S.live: frozenset({S.live, S.processing, S.scheduled}),  # a publisher again; ended recorded; nothing recorded
    S.processing: frozenset({S.ready, S.failed, S.live, S.processing}),  # done; failed; resumed; again
    S.ready: frozenset({S.processing, S.live}),  # reprocessed or a part uploaded; resumed within the window
    S.failed: frozenset({S.processing, S.live}),
}
PUBLISHABLE = (S.scheduled, S.live)  # a publisher is admitted (a finished lesson is never reopened by a publisher)
FINISHED = (S.processing, S.ready, S.failed)  # its live part is over (resume may reopen it, api/live/resume.py)


class JobKind(StrEnum):
    """What a processing job does (``Job.kind``)."""

    process = "process_lesson"  # a new recording (upload or live parts): the whole pipeline
    reprocess = "reprocess_lesson"  # the whole pipeline again (after a failure, or with better models)
    refresh_transcript = "refresh_transcript"  # a transcript correction: subtitles and analytics only


WHOLE_PIPELINE = frozenset({JobKind.process, JobKind.reprocess})


class TransitionError(ValueError):
    """A move the lifecycle does not allow (a bug in the caller, or a race it lost)."""

    def __init__(self, lesson_id: int | None, current: LessonStatus, wanted: LessonStatus) -> None:
        super().__init__(f"lesson {lesson_id}: {current.value} cannot become {wanted.value}")
        self.current, self.wanted = current, wanted


def allowed(current: LessonStatus, wanted: LessonStatus) -> bool:
    return wanted in MOVES[current]


def move(lesson: Lesson, wanted: LessonStatus) -> None:
    """Move a loaded lesson to ``wanted``, or raise TransitionError."""
    if not allowed(lesson.status, wanted):
        raise TransitionError(lesson.id, lesson.status, wanted)
    lesson.status = wanted


def move_where(session: Session, lesson_id: int, wanted: LessonStatus, *, only_from: Iterable[LessonStatus],
               where: Iterable[Any] = (), **values: Any) -> bool:
    """Move the lesson's row to ``wanted`` (with ``values``) only if it is still in one of ``only_from``
    (and matches ``where``); True when it moved. Each source must allow the move."""
    sources = tuple(only_from)
    for source in sources:
        if not allowed(source, wanted):
            raise TransitionError(lesson_id, source, wanted)
    result = session.execute(
        update(Lesson).where(Lesson.id == lesson_id, Lesson.status.in_(sources), *where)
        .values(status=wanted, **values).execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]
