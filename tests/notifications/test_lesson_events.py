"""Notifications of a lesson's events: those allowed to observe are told when it goes live (once), the
teacher when an observation is submitted and when the recording is ready (in the worker's transaction
that sets the lesson ready). On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import datetime

from sqlalchemy import select

from api.pages.i18n import TABLE
from models import Job, JobState, Lesson, LessonStatus, Notification
from models.db import session_scope
from streaming.lesson_store import mark_live
from tests.api.test_observations import SCORES_A
from tingke.notices import TEXTS
from tingke.timezone import format_local
from workers import jobs

BROADCAST = "勾股定理（示范课）"  # teacher1's lesson at 城东实验小学, public


def _lesson(db_url: str, title: str) -> int:
    with session_scope(db_url) as session:
        return int(session.scalar(select(Lesson.id).where(Lesson.title == title)))  # type: ignore[arg-type]


def _mine(client, headers) -> list[dict]:
    return client.get("/api/notifications", headers=headers).json()["items"]


def test_observers_are_told_once_when_a_lesson_goes_live(client, login, db_url):
    lesson = _lesson(db_url, BROADCAST)
    assert mark_live(str(lesson))  # the relay's status write when the first publisher connects
    # teacher4 and head1 (same school), the paired rural schools (teacher2, teacher3), researcher2 (the zone)
    # and researcher1 (数学 in the zone of their contact school) may observe; the teacher is teaching it
    told = {name: client.get("/api/notifications/unread-count", headers=login(name)).json()["unread"]
            for name in ("teacher4", "researcher2", "head1", "teacher1", "researcher1", "teacher2", "teacher3")}
    assert told == {"teacher4": 1, "researcher2": 1, "head1": 1, "teacher1": 0, "researcher1": 1, "teacher2": 1,
                    "teacher3": 1}
    (item,) = _mine(client, login("teacher4"))
    assert item["kind"] == "lesson_live" and item["link"] == f"/lessons/{lesson}/live/observe"
    assert item["params"] == {"title": BROADCAST, "teacher": "陈老师"}
    assert item["text"] == "「勾股定理（示范课）」（陈老师）正在直播，点击进入听课"
    # asking again (every page polls the badge) does not tell anyone twice
    for _ in range(3):
        assert client.get("/api/notifications/unread-count", headers=login("teacher4")).json()["unread"] == 1
    with session_scope(db_url) as session:
        count = len(session.scalars(select(Notification).where(Notification.kind == "lesson_live")).all())
        assert count == 6  # one each, however often they asked


def test_the_teacher_is_told_of_a_submitted_observation_in_district_time(client, login, db_url):
    lesson = _lesson(db_url, BROADCAST)
    observer = login("teacher4")
    obs = client.post(f"/api/lessons/{lesson}/observations", headers=observer, json={"drop_in": False}).json()
    scored = client.patch(f"/api/observations/{obs['id']}", headers=observer, json={"scores": SCORES_A})
    assert scored.status_code == 200
    assert _mine(client, login("teacher1")) == []  # nothing while it is a draft
    assert client.post(f"/api/observations/{obs['id']}/submit", headers=observer).status_code == 200
    (item,) = _mine(client, login("teacher1"))
    submitted = datetime.fromisoformat(client.get(f"/api/observations/{obs['id']}", headers=observer)
                                       .json()["submitted_at"].replace("Z", "+00:00"))
    when = format_local(submitted)  # Beijing time, 8 hours after UTC
    assert item["kind"] == "observation_submitted" and item["link"] == f"/lessons/{lesson}/report"
    assert item["text"] == f"周老师 提交了对「{BROADCAST}」的听课记录（{when}）"
    assert item["params"]["when"] == when and when != submitted.strftime("%Y-%m-%d %H:%M")


def test_the_teacher_is_told_when_the_recording_is_ready_or_failed(client, login, db_url):
    lesson = _lesson(db_url, BROADCAST)
    with session_scope(db_url) as session:
        session.get(Lesson, lesson).status = LessonStatus.processing  # type: ignore[union-attr]
        ok = Job(lesson_id=lesson, kind="process_lesson", state=JobState.running, owner="test-worker")
        session.add(ok)
        session.flush()
        job_id = ok.id
    assert jobs.finish(job_id, "test-worker")
    with session_scope(db_url) as session:
        assert session.get(Lesson, lesson).status == LessonStatus.ready  # type: ignore[union-attr]
    (item,) = _mine(client, login("teacher1"))
    assert item["kind"] == "recording_ready" and item["link"] == f"/lessons/{lesson}"
    assert item["text"].startswith(f"「{BROADCAST}」的录像已处理完成")
    with session_scope(db_url) as session:  # processed again (a job runs only for a lesson in processing)
        session.get(Lesson, lesson).status = LessonStatus.processing  # type: ignore[union-attr]
        failed = Job(lesson_id=lesson, kind="process_lesson", state=JobState.running, owner="test-worker")
        session.add(failed)
        session.flush()
        failed_id = failed.id
    assert jobs.finish(failed_id, "test-worker", error="ffmpeg could not read the file")
    assert [n["kind"] for n in _mine(client, login("teacher1"))] == ["recording_failed", "recording_ready"]
    assert _mine(client, login("teacher4")) == []  # only the teacher


def test_every_kind_says_the_same_as_the_translation_table():
    rows = {r[0]: r for r in csv.reader(TABLE.open(encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE) if r}
    for kind, text in TEXTS.items():
        assert rows[f"notif.kind.{kind}"][1] == text, kind
