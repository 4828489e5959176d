"""A worker killed with SIGKILL mid-transcription or mid-transcode: the sweeper re-sends the job, another
worker finishes it, and nothing is duplicated (rows or files); a killed worker leaves no ffmpeg behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from models import Job, JobState, LessonStatus, MediaAsset, TranscriptSegment
from models.db import session_scope
from testkit.synth_lesson import make_lesson
from tests.support import procs
from tests.support.pipeline import token_headers, wait_job, worker
from tingke import jobs_client
from tingke.settings import get_settings

pytestmark = pytest.mark.slow


def upload(client: TestClient, headers: dict[str, str], lesson_id: int, path: Path) -> dict[str, object]:
    reply = client.post(f"/api/lessons/{lesson_id}/recording", params={"filename": path.name},
                        content=path.read_bytes(), headers={**headers, "Content-Type": "video/mp4"})
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_killed_worker_is_replaced_without_duplicates(sqlite_db: str, sqlite_demo: dict[str, int],
                                                      sqlite_client: TestClient, tmp_path: Path) -> None:
    client, demo = sqlite_client, sqlite_demo
    jobs_client._client.cache_clear()
    synth = make_lesson(minutes=0.75, size="854x480")
    assert synth.video is not None
    headers = token_headers(client, "teacher1")
    lessons = client.get("/api/lessons", headers=headers, params={"teacher": demo["teacher1"]}).json()["items"]
    lesson_id = lessons[0]["id"]
    job_id = int(upload(client, headers, lesson_id, synth.video)["job_id"])  # type: ignore[call-overload]

    first = worker(tmp_path / "first.log")
    w1 = first.__enter__()
    try:
        job = wait_job(sqlite_db, job_id, w=w1, timeout=120,
                       until=lambda j: j.stage == "transcribe" or j.state in (JobState.done, JobState.failed))
        assert job.stage == "transcribe", (job.state, job.error)
        w1.kill()
    finally:
        first.__exit__(None, None, None)
    folder = get_settings().media_root / "lessons" / str(lesson_id)
    master = folder / "hls" / "master.m3u8"
    transcoded_at = master.stat().st_mtime_ns
    with session_scope(sqlite_db) as session:
        killed = session.get(Job, job_id)
        assert killed is not None and killed.state == JobState.running  # the broker forgot it; the row did not

    with worker(tmp_path / "second.log") as w2:
        job = wait_job(sqlite_db, job_id, w=w2, timeout=180)
        assert job.state == JobState.done, (job.error, w2.tail())
    assert job.attempts == 2
    assert master.stat().st_mtime_ns == transcoded_at  # the finished transcode was not redone

    assert_done_once(client, headers, sqlite_db, lesson_id, folder)


def assert_done_once(client: TestClient, headers: dict[str, str], db_url: str, lesson_id: int, folder: Path) -> None:
    """One set of outputs: each transcript line and media asset once, no temporary folder left, one upload."""
    transcript = json.loads((folder / "transcript.json").read_text())
    assert transcript
    with session_scope(db_url) as session:
        rows = session.execute(select(TranscriptSegment.start, TranscriptSegment.text)
                               .where(TranscriptSegment.lesson_id == lesson_id)).all()
        assert len(rows) == len(transcript) == len(set(rows))
        kinds = session.execute(select(MediaAsset.kind, func.count()).where(MediaAsset.lesson_id == lesson_id)
                                .group_by(MediaAsset.kind)).all()
        assert all(count == 1 for _, count in kinds), kinds
        lesson_status = client.get(f"/api/lessons/{lesson_id}", headers=headers).json()["status"]
        assert lesson_status == LessonStatus.ready.value
    leftovers = [p for p in folder.rglob("*") if p.name.startswith(".tmp-")]
    assert leftovers == []
    assert len(list((folder / "uploads").iterdir())) == 1
    assert len(list((folder / "hls").glob("*/index.m3u8"))) == 4  # 480p, 360p, audio-only, subtitles


def test_worker_killed_mid_transcode_leaves_no_ffmpeg_and_the_job_is_done_once(
        sqlite_db: str, sqlite_demo: dict[str, int], sqlite_client: TestClient, tmp_path: Path) -> None:
    """Only the worker's own pid is killed (as the OOM killer or an operator's kill -9 would), not its
    process group: its ffmpeg must die with it rather than transcode on beside the retry."""
    client, demo = sqlite_client, sqlite_demo
    jobs_client._client.cache_clear()
    synth = make_lesson(minutes=0.75, size="854x480")
    assert synth.video is not None
    headers = token_headers(client, "teacher1")
    lessons = client.get("/api/lessons", headers=headers, params={"teacher": demo["teacher1"]}).json()["items"]
    lesson_id = lessons[0]["id"]
    job_id = int(upload(client, headers, lesson_id, synth.video)["job_id"])  # type: ignore[call-overload]
    folder = get_settings().media_root / "lessons" / str(lesson_id)

    first = worker(tmp_path / "first.log")
    w1 = first.__enter__()
    try:
        transcoding: set[int] = set()
        deadline = time.monotonic() + 120
        while not transcoding:  # the transcode's ffmpeg, a child of the worker, writing into the lesson folder
            assert time.monotonic() < deadline and w1.proc.poll() is None, w1.tail()
            transcoding = {pid for pid in procs.children(w1.proc.pid)
                           if "-progress" in procs.cmdline(pid) and str(folder) in " ".join(procs.cmdline(pid))}
            time.sleep(0.05)
        os.kill(w1.proc.pid, signal.SIGKILL)
        w1.proc.wait(timeout=10)
        deadline = time.monotonic() + 3
        while procs.running("ffmpeg", str(folder)) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = {pid: procs.cmdline(pid) for pid in procs.running("ffmpeg", str(folder))}
        assert not left, f"the killed worker's ffmpeg kept running: {left}"
        assert not [pid for pid in transcoding if procs.alive(pid)]
    finally:
        with contextlib.suppress(ProcessLookupError):  # what a failed run left in the worker's group
            os.killpg(w1.proc.pid, signal.SIGKILL)
        first.__exit__(None, None, None)
    with session_scope(sqlite_db) as session:
        killed = session.get(Job, job_id)
        assert killed is not None and killed.state == JobState.running and killed.stage == "transcode"
        assert killed.attempts == 1

    with worker(tmp_path / "second.log") as w2:
        job = wait_job(sqlite_db, job_id, w=w2, timeout=240)
        assert job.state == JobState.done, (job.error, w2.tail())
    assert job.attempts == 2
    assert procs.running("ffmpeg", str(folder)) == set()
    marker = json.loads((folder / ".stages" / "transcode.json").read_text())
    assert marker["job_id"] == job_id
    assert_done_once(client, headers, sqlite_db, lesson_id, folder)
