"""A worker killed with SIGKILL mid-transcription: the sweeper re-sends the job, another worker
finishes it, and nothing is duplicated (rows or files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from models import Job, JobState, LessonStatus, MediaAsset, TranscriptSegment
from models.db import session_scope
from tests.support.pipeline import token_headers, wait_job, worker
from tests.support.synth_lesson import make_lesson
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

    transcript = json.loads((folder / "transcript.json").read_text())
    assert transcript
    with session_scope(sqlite_db) as session:
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
