"""A worker killed with SIGKILL while it reads the board and slides: the sweeper re-sends the job, another
worker reads them again from the start, and the lesson ends with each line stored once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import BoardTextLine, JobState
from models.db import session_scope
from testkit.synth_board import phrase_times
from tests.support.board_lesson import SCENES, board_lesson, private_lesson_id, queue_upload
from tests.support.pipeline import wait_job, worker
from tingke.settings import get_settings

pytestmark = pytest.mark.slow


def test_a_worker_killed_while_reading_the_board_is_replaced(sqlite_db: str, sqlite_demo: dict[str, int],
                                                            tmp_path: Path) -> None:
    lesson_id = private_lesson_id(sqlite_db)
    job_id = queue_upload(sqlite_db, lesson_id, board_lesson(silent=True))
    # The first worker's detector looks at the whole 1280×720 picture (three times the default's work), so its
    # stage lasts long enough to be caught in the middle however quiet the machine is.
    first = worker(tmp_path / "first.log", {"TINGKE_BOARD_TEXT_DET_SIDE": "2000"})
    w1 = first.__enter__()
    try:
        job = wait_job(sqlite_db, job_id, w=w1, timeout=180,
                       until=lambda j: j.stage in ("board_text", "audio", "transcribe")
                       or j.state in (JobState.done, JobState.failed))
        w1.kill()
        assert job.stage == "board_text", (job.state, job.stage, job.error)
    finally:
        first.__exit__(None, None, None)
    folder = get_settings().media_root / "lessons" / str(lesson_id)
    # Killed mid-stage, nothing half-read is kept as if complete (the lines are written once all are read); in
    # the instant between writing them and the next stage, they are complete and the next run may use them.
    finished = (folder / "board_text.json").exists()
    with worker(tmp_path / "second.log") as w2:
        job = wait_job(sqlite_db, job_id, w=w2, timeout=240)
        assert job.state == JobState.done, (job.error, w2.tail())
    assert job.attempts == 2 and bool(job.report["stages"]["board_text"].get("cached")) == finished
    with session_scope(sqlite_db) as session:
        texts = session.scalars(select(BoardTextLine.text).where(BoardTextLine.lesson_id == lesson_id)).all()
        assert session.scalar(select(func.count()).select_from(BoardTextLine)) == len(texts)
    assert sorted(texts) == sorted(p for p, *_ in phrase_times(SCENES)), texts
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]
