"""Resuming a lesson ended by mistake (issue 12 part 2): only its teacher, only within
``live_resume_minutes`` of its live part's end, and the earlier part's processing is superseded so that
the final processing joins every part exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import Job, JobState, Lesson, LessonStatus
from models.db import session_scope
from tests.factories import lesson_id
from tests.live.app_relay import BROADCAST_TITLE, DUAL_TITLE
from tingke.jobs_client import SUPERSEDED
from tingke.settings import get_settings, reset_settings
from tingke.signing import verify_token
from workers import jobs


def _ended(db_url: str, lesson: int, minutes_ago: float | None, status: LessonStatus = LessonStatus.processing,
           job: JobState | None = JobState.queued) -> int | None:
    """The lesson as the relay leaves it after registering its live part (and queueing its processing)."""
    with session_scope(db_url) as session:
        row = session.get(Lesson, lesson)
        assert row is not None
        row.status = status
        row.live_ended_at = None if minutes_ago is None else datetime.now(UTC) - timedelta(minutes=minutes_ago)
        if job is None:
            return None
        queued = Job(lesson_id=lesson, kind="process_lesson", state=job, stage="queued")
        if job == JobState.running:
            queued.owner, queued.lease_until = "worker-a", datetime.now(UTC) + timedelta(seconds=60)
        session.add(queued)
        session.flush()
        return queued.id


def _lesson(db_url: str, lesson: int) -> Lesson:
    with session_scope(db_url) as session:
        row = session.get(Lesson, lesson)
        assert row is not None
        session.expunge(row)
        return row


def _job(db_url: str, job_id: int) -> Job:
    with session_scope(db_url) as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job


def _error(reply, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert reply.status_code == status, reply.text
    error = reply.json()["error"]
    assert error["code"] == code
    return error


def test_the_teacher_resumes_within_the_window_and_the_earlier_processing_is_superseded(client, login, db_url):
    lesson = lesson_id(db_url, BROADCAST_TITLE)
    job = _ended(db_url, lesson, minutes_ago=2)
    assert job is not None

    # the panel asks whether and how long it may still resume; others are never offered it
    window = client.get(f"/api/lessons/{lesson}/live/resume", headers=login("teacher1"))
    assert window.status_code == 200, window.text
    assert window.json()["resumable"] is True and window.json()["minutes_left"] == 13
    assert 12 * 60 < window.json()["seconds_left"] <= 13 * 60
    assert client.get(f"/api/lessons/{lesson}/live/resume", headers=login("teacher4")).json()["resumable"] is False

    # colleagues who may watch may not resume; no such lesson; nobody signed in
    for colleague in ("teacher3", "teacher4"):
        _error(client.post(f"/api/lessons/{lesson}/live/resume", headers=login(colleague)), 403, "forbidden")
    _error(client.post("/api/lessons/999999/live/resume", headers=login("teacher1")), 404, "not_found")
    assert client.post(f"/api/lessons/{lesson}/live/resume").status_code == 401
    assert _lesson(db_url, lesson).status == LessonStatus.processing and _job(db_url, job).state == JobState.queued

    grant = client.post(f"/api/lessons/{lesson}/live/resume", headers=login("teacher1"))
    assert grant.status_code == 200, grant.text
    claims = verify_token("live", grant.json()["token"])
    assert claims["room"] == str(lesson) and claims["role"] == "publisher"
    resumed = _lesson(db_url, lesson)
    assert resumed.status == LessonStatus.live and resumed.live_resumed_at is not None  # the relay admits it
    superseded = _job(db_url, job)
    assert superseded.state == JobState.failed and superseded.error == SUPERSEDED
    # a second press (or a reload) while live is a normal grant, nothing else changes
    again = client.post(f"/api/lessons/{lesson}/live/resume", headers=login("teacher1"))
    assert again.status_code == 200, again.text
    assert _lesson(db_url, lesson).status == LessonStatus.live


def test_after_the_window_or_without_a_live_part_the_lesson_stays_finished(client, login, db_url, monkeypatch):
    lesson = lesson_id(db_url, BROADCAST_TITLE)
    job = _ended(db_url, lesson, minutes_ago=16, status=LessonStatus.ready, job=JobState.done)
    assert job is not None
    error = _error(client.post(f"/api/lessons/{lesson}/live/resume", headers=login("teacher1")), 409,
                   "resume_window_over")
    assert "不能再继续直播" in error["message"] and "can no longer be resumed" in error["message"]
    assert error["minutes"] == 15
    assert client.get(f"/api/lessons/{lesson}/live/resume", headers=login("teacher1")).json() == {
        "resumable": False, "seconds_left": 0, "minutes_left": 0, "status": "ready"}
    assert _lesson(db_url, lesson).status == LessonStatus.ready and _job(db_url, job).state == JobState.done
    # the plain go-live still refuses it
    _error(client.post(f"/api/lessons/{lesson}/live", headers=login("teacher1")), 409, "lesson_finished")

    # the window is a setting
    monkeypatch.setenv("TINGKE_LIVE_RESUME_MINUTES", "30")
    reset_settings()
    assert get_settings().live_resume_minutes == 30
    assert client.get(f"/api/lessons/{lesson}/live/resume", headers=login("teacher1")).json()["minutes_left"] == 14

    # a lesson that was uploaded, never live, has nothing to resume
    dual = lesson_id(db_url, DUAL_TITLE)
    _ended(db_url, dual, minutes_ago=None, status=LessonStatus.ready, job=None)
    _error(client.post(f"/api/lessons/{dual}/live/resume", headers=login("teacher1")), 409, "resume_window_over")
    assert _lesson(db_url, dual).status == LessonStatus.ready


def test_a_running_job_is_superseded_without_two_runs_sharing_the_lesson(client, login, db_url):
    lesson = lesson_id(db_url, BROADCAST_TITLE)
    running = _ended(db_url, lesson, minutes_ago=1, job=JobState.running)
    assert running is not None
    assert client.post(f"/api/lessons/{lesson}/live/resume", headers=login("teacher1")).status_code == 200
    # the worker of the earlier part can no longer write: not its progress, nor results, nor the end
    assert not jobs.renew(running, "worker-a")
    assert not jobs.finish(running, "worker-a")
    assert _lesson(db_url, lesson).status == LessonStatus.live  # its finish did not make the lesson ready
    # the part recorded next queues the job that processes everything; it waits for the old lease
    with session_scope(db_url) as session:
        final = Job(lesson_id=lesson, kind="process_lesson", state=JobState.queued, stage="queued")
        session.add(final)
        session.flush()
        final_id = final.id
    assert not jobs.claim(final_id, "worker-b")
    with session_scope(db_url) as session:
        old = session.get(Job, running)
        assert old is not None
        old.lease_until = datetime.now(UTC) - timedelta(seconds=1)  # its lease ran out
    assert jobs.claim(final_id, "worker-b")
    with session_scope(db_url) as session:
        states = dict(session.execute(select(Job.id, Job.state).where(Job.lesson_id == lesson)).all())
    assert states == {running: JobState.failed, final_id: JobState.running}


def test_a_resume_nobody_used_is_processed_as_it_was_recorded(client, login, db_url, monkeypatch):
    from models import MediaAsset, MediaKind
    from workers.sweeper import release_unused_resumes

    lesson = lesson_id(db_url, BROADCAST_TITLE)
    _ended(db_url, lesson, minutes_ago=1)
    with session_scope(db_url) as session:
        session.add(MediaAsset(lesson_id=lesson, kind=MediaKind.live_recording, path=f"live/{lesson}/main/x/p.m3u8",
                               content_type="application/vnd.apple.mpegurl", bytes=1, duration_seconds=3.0,
                               label="main", meta={}))
    assert client.post(f"/api/lessons/{lesson}/live/resume", headers=login("teacher1")).status_code == 200
    assert release_unused_resumes() == []  # its grant may still be used
    monkeypatch.setenv("TINGKE_LIVE_TOKEN_TTL_SECONDS", "0")
    monkeypatch.setenv("TINGKE_LIVE_GRACE_SECONDS", "0")
    reset_settings()
    assert release_unused_resumes() == [lesson]
    row = _lesson(db_url, lesson)
    assert row.status == LessonStatus.processing and row.live_resumed_at is None
    with session_scope(db_url) as session:
        queued = session.scalars(select(Job).where(Job.lesson_id == lesson, Job.state == JobState.queued)).all()
    assert len(queued) == 1  # the one job that processes the parts recorded so far
    assert release_unused_resumes() == []


def test_a_dual_lesson_is_resumed_by_its_master_classroom_and_the_others_rejoin(client, login, db_url):
    """The master classroom ends a dual lesson, so it resumes it; another classroom is not offered that
    (it would record a part without the master) and rejoins with a normal grant once the lesson is live."""
    lesson = lesson_id(db_url, DUAL_TITLE)
    job = _ended(db_url, lesson, minutes_ago=1)
    assert job is not None
    rural = client.get(f"/api/lessons/{lesson}/live/resume", headers=login("teacher2"))  # 辅助端
    assert rural.status_code == 200 and rural.json()["resumable"] is False, rural.text
    error = _error(client.post(f"/api/lessons/{lesson}/live/resume", headers=login("teacher2")), 403, "forbidden")
    assert "主讲端" in error["message"]
    assert _lesson(db_url, lesson).status == LessonStatus.processing and _job(db_url, job).state == JobState.queued

    assert client.get(f"/api/lessons/{lesson}/live/resume", headers=login("teacher1")).json()["resumable"] is True
    assert client.post(f"/api/lessons/{lesson}/live/resume", headers=login("teacher1")).status_code == 200
    assert _lesson(db_url, lesson).status == LessonStatus.live
    # live again: the other classroom's publish grant is its own classroom's, as before the end
    again = client.post(f"/api/lessons/{lesson}/live", headers=login("teacher2"))
    assert again.status_code == 200, again.text
    assert again.json()["master"] is False and again.json()["label"] == "辅助端 青山乡中心小学"
