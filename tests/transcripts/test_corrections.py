"""Correcting a transcript line (issue 15): who may, what bad input gets, the kept history, and what follows a
correction: search finds the corrected word (SQLite and PostgreSQL), the subtitles say it, and the question
analytics are remade from the corrected text by the real ``refresh_transcript`` job."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from models import Lesson, LessonAnalytics, MediaAsset, MediaKind, TranscriptSegment
from models.db import session_scope
from models.lifecycle import JobKind
from models.search_index import index_lesson
from testkit.synth_lesson import make_lesson
from tests.factories import lesson_row
from tests.support.pipeline import sqlite_client, sqlite_demo, token_headers
from tests.support.ready_lesson import process_with_transcript
from tingke import jobs_client
from tingke.settings import get_settings
from workers.tasks import process_job

TITLE = "双师课堂：圆的面积"  # teacher1's maths lesson
__all__ = ["sqlite_client", "sqlite_demo"]  # the pipeline test's fixtures
MISHEARD = "拼成一个近似的长方线，长和宽分别是多少"  # Whisper heard 长方线; the teacher said 长方形
SAID = "拼成一个近似的长方形，长和宽分别是多少？"
LINES = [(0.0, 8.0, "今天我们研究圆的面积，先把圆平均分成十六份。", "teacher"),
         (8.0, 15.0, MISHEARD, "teacher"),
         (16.0, 20.0, "长是圆周长的一半，宽是半径。", "student")]


@pytest.fixture
def lesson_id(db_url: str, demo: dict[str, int]) -> int:
    """The demo lesson with a transcript holding the misheard line, its analysis and its search index."""
    with session_scope(db_url) as session:
        lesson = session.scalars(select(Lesson).where(Lesson.title == TITLE)).one()
        for idx, (start, end, text, speaker) in enumerate(LINES):
            session.add(TranscriptSegment(lesson_id=lesson.id, idx=idx, start=start, end=end, text=text,
                                          speaker=speaker))
        speech = {"teacher": [[0.0, 8.0], [8.0, 15.0]], "student": [[16.0, 20.0]]}
        session.add(LessonAnalytics(lesson_id=lesson.id, data={
            "duration": 30.0, "speech_seconds": 19.0, "speech_detected": True, "speaker_method": "tracks",
            "speech": speech, "st": {"sample_seconds": 3.0}, "questions": {"count": 0, "items": []}}))
        session.flush()
        index_lesson(session, lesson.id)
        return lesson.id


def _found(client: TestClient, headers: dict[str, str], q: str) -> set[int]:
    reply = client.get("/api/search", headers=headers, params={"q": q, "limit": 100})
    assert reply.status_code == 200, reply.text
    return {item["id"] for item in reply.json()["items"]}


def _line(client: TestClient, headers: dict[str, str], lesson_id: int, idx: int) -> dict[str, Any]:
    reply = client.get(f"/api/lessons/{lesson_id}/transcript", headers=headers)
    return dict(reply.json()["segments"][idx])


def test_a_corrected_word_is_found_and_said_everywhere(client: TestClient, login: Any, lesson_id: int,
                                                       db_url: str) -> None:
    teacher = login("teacher1")
    line = _line(client, teacher, lesson_id, 1)
    assert lesson_id not in _found(client, teacher, "长方形")

    reply = client.patch(f"/api/lessons/{lesson_id}/transcript/{line['id']}", headers=teacher, json={"text": SAID})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["text"] == SAID and body["speaker"] == "teacher"
    assert [(r["version"], r["text"], r["author_name"]) for r in body["revisions"]] == [
        (1, MISHEARD, None), (2, SAID, body["revisions"][1]["author_name"])]
    assert body["revisions"][1]["author_id"] is not None and body["revisions"][1]["created_at"]

    assert lesson_id in _found(client, teacher, "长方形"), "the corrected word is found at once"
    assert lesson_id not in _found(client, teacher, "长方线")
    assert "长方形" in client.get(f"/api/lessons/{lesson_id}/subtitles.vtt", headers=teacher).text

    # the job remakes the analytics from the corrected text: the line now asks a question
    jobs_client._client.cache_clear()
    assert process_job(body["job_id"]) == "done"
    analytics = client.get(f"/api/lessons/{lesson_id}/analytics", headers=teacher).json()
    assert [q["text"] for q in analytics["questions"]["items"]] == [SAID]
    assert analytics["questions"]["items"][0]["wait_seconds"] == 1.0

    # a researcher who may observe the lesson corrects who spoke; the history keeps every version
    researcher = login("researcher1")
    student = _line(client, researcher, lesson_id, 2)
    reply = client.patch(f"/api/lessons/{lesson_id}/transcript/{student['id']}", headers=researcher,
                         json={"text": student["text"], "speaker": "mixed"})
    assert reply.status_code == 200, reply.text
    history = client.get(f"/api/lessons/{lesson_id}/transcript/{line['id']}/revisions", headers=researcher).json()
    assert [r["version"] for r in history["revisions"]] == [1, 2]
    assert _line(client, teacher, lesson_id, 2)["speaker"] == "mixed"
    with session_scope(db_url) as session:
        kept = session.get(LessonAnalytics, lesson_id)
        assert kept is not None and kept.data["machine_speech"] == kept.data["speech"]


def test_who_may_not_correct_gets_403_and_bad_input_422(client: TestClient, login: Any, lesson_id: int) -> None:
    teacher = login("teacher1")
    line = _line(client, teacher, lesson_id, 1)
    url = f"/api/lessons/{lesson_id}/transcript/{line['id']}"
    for who in ("teacher2", "teacher4"):  # a community teacher; a colleague at the same school
        reply = client.patch(url, headers=login(who), json={"text": SAID})
        assert reply.status_code == 403, (who, reply.text)
        error = reply.json()["error"]
        assert error["code"] == "transcript_correct_forbidden"
        assert "只有本课的授课教师和可以观课的教研员" in error["message"]
    for bad in ({"text": ""}, {"text": "   "}, {"text": "x" * 2001}, {"text": SAID, "speaker": "principal"},
                {"text": SAID, "note": "?"}, {}, {"text": MISHEARD}):
        reply = client.patch(url, headers=teacher, json=bad)
        assert reply.status_code == 422, (bad, reply.text)
        assert reply.json()["error"]["message"]
    assert client.patch(f"/api/lessons/{lesson_id}/transcript/999999", headers=teacher,
                        json={"text": SAID}).status_code == 404
    assert _line(client, teacher, lesson_id, 1)["text"] == MISHEARD, "nothing stored changed"
    history = client.get(f"{url}/revisions", headers=teacher).json()
    assert history["revisions"] == []
    assert lesson_id not in _found(client, teacher, "长方形")


@pytest.mark.slow
def test_a_correction_outlives_the_lesson_being_processed_again(sqlite_db: str, sqlite_demo: dict[str, int],
                                                                sqlite_client: TestClient, tmp_path: Any) -> None:
    """The real pipeline (ffmpeg ladder, subtitles) twice: the second run's transcript rows replace the first's,
    and the corrected line, its history, the subtitle rendition and the search index keep the correction."""
    synth = make_lesson(minutes=0.75, size="854x480")
    assert synth.video is not None
    lesson = 2
    process_with_transcript(sqlite_db, lesson, synth.video, [(1.0, 6.0, MISHEARD), (7.0, 12.0, "长是圆周长的一半。")])
    headers = token_headers(sqlite_client, "teacher2")
    line = sqlite_client.get(f"/api/lessons/{lesson}/transcript", headers=headers).json()["segments"][0]
    reply = sqlite_client.patch(f"/api/lessons/{lesson}/transcript/{line['id']}", headers=headers, json={"text": SAID})
    assert reply.status_code == 200, reply.text
    jobs_client._client.cache_clear()
    assert process_job(reply.json()["job_id"]) == "done"
    folder = get_settings().media_root / "lessons" / str(lesson)
    assert "长方形" in "".join(p.read_text() for p in (folder / "hls" / "subs").glob("*.vtt"))

    with session_scope(sqlite_db) as session:  # the same recording processed again (a re-sent job)
        asset = session.scalars(select(MediaAsset).where(MediaAsset.lesson_id == lesson,
                                                         MediaAsset.kind == MediaKind.upload)).one().id
        again = jobs_client.process(session, lesson_row(session, lesson), JobKind.process, asset).id
    assert process_job(again) == "done"
    now = sqlite_client.get(f"/api/lessons/{lesson}/transcript", headers=headers).json()["segments"][0]
    assert now["text"] == SAID
    history = sqlite_client.get(f"/api/lessons/{lesson}/transcript/{now['id']}/revisions", headers=headers).json()
    assert [r["text"] for r in history["revisions"]] == [MISHEARD, SAID]
    assert "长方形" in (folder / "subtitles.vtt").read_text(encoding="utf-8")
    assert "长方形" in "".join(p.read_text() for p in (folder / "hls" / "subs").glob("*.vtt"))
    assert lesson in _found(sqlite_client, headers, "长方形")
