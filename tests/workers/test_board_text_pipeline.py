"""A generated lesson with Chinese slides and a board written in a brush font, changing at known times, through
the real pipeline (in this process): the library finds at least 95 % of the slide and board phrases as
written text (板书/课件) within 2 s of when they appeared; frames without text add nothing; a second run
stores the same lines, not twice as many; only those who may see the lesson get its board text."""

from __future__ import annotations

from difflib import SequenceMatcher

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from models import BoardTextLine, Job, JobState
from models.db import session_scope
from testkit.synth_board import phrase_times
from tests.support.board_lesson import SCENES, TEXTLESS, board_lesson, private_lesson_id, queue_upload
from tests.support.pipeline import token_headers
from workers.tasks import process_job

pytestmark = pytest.mark.slow

WITHIN = 2.0


def _hits(client: TestClient, headers: dict[str, str], q: str, lesson_id: int) -> list[dict]:
    reply = client.get("/api/search", headers=headers, params={"q": q})
    assert reply.status_code == 200, reply.text
    return next((item["hits"] for item in reply.json()["items"] if item["id"] == lesson_id), [])


def test_slide_and_board_phrases_are_found_where_they_appeared(sqlite_db: str, sqlite_client: TestClient) -> None:
    synth = board_lesson()
    lesson_id = private_lesson_id(sqlite_db)
    job_id = queue_upload(sqlite_db, lesson_id, synth)
    assert process_job(job_id) == "done"
    with session_scope(sqlite_db) as session:
        job = session.get(Job, job_id)
        assert job is not None and job.state == JobState.done, job.error
        stage = job.report["stages"]["board_text"]
    # Only the key frames where the picture changed were read: the eight scenes, not all 25 key frames.
    assert stage["frames_read"] <= len(SCENES) + 1 < stage["key_frames"], stage

    owner = token_headers(sqlite_client, "teacher2")
    lines = sqlite_client.get(f"/api/lessons/{lesson_id}/board-text", headers=owner).json()["lines"]
    phrases = phrase_times(SCENES)
    found = []
    for phrase, appeared, _kind in phrases:
        hits = _hits(sqlite_client, owner, phrase, lesson_id)
        if any(h["source"] == "board" and abs(h["t_start"] - appeared) <= WITHIN for h in hits):
            found.append(phrase)
    missed = [p for p, *_ in phrases if p not in found]
    assert len(found) >= 0.95 * len(phrases), (missed, lines)

    # Frames without text (a blank card, a picture, the moving test pattern below) add nothing: every line
    # is one of the phrases, none begins while only textless scenes are shown, none is stored twice.
    for line in lines:
        assert max(SequenceMatcher(None, line["text"], p).ratio() for p, *_ in phrases) >= 0.8, line
        assert not any(a <= line["start"] < b for a, b in TEXTLESS), line
    assert len(lines) == len(phrases), lines
    # Each line is kept until its scene went: the first slide's until the second slide came.
    first_slide = [x for x in lines if x["text"] in SCENES[1].lines]
    assert first_slide and all(abs(x["end"] - SCENES[2].start) <= WITHIN for x in first_slide), first_slide

    # A phrase both said and written is found as both, each at its own time.
    sources = {h["source"] for h in _hits(sqlite_client, owner, "分数的加法", lesson_id)}
    assert "board" in sources, sources

    # Processing again replaces the lines (the stage is cached: the same lines, not twice as many).
    with session_scope(sqlite_db) as session:
        from tests.factories import lesson_row
        from tingke import jobs_client

        again = jobs_client.process(session, lesson_row(session, lesson_id)).id
    assert process_job(again) == "done"
    with session_scope(sqlite_db) as session:
        assert session.scalar(select(func.count()).select_from(BoardTextLine)
                              .where(BoardTextLine.lesson_id == lesson_id)) == len(lines)
        assert session.get(Job, again).report["stages"]["board_text"].get("cached")  # type: ignore[union-attr]

    # The lesson is private: another teacher gets neither its board text nor a hit for it.
    other = token_headers(sqlite_client, "teacher1")
    assert sqlite_client.get(f"/api/lessons/{lesson_id}/board-text", headers=other).status_code == 404
    assert _hits(sqlite_client, other, phrases[0][0], lesson_id) == []
