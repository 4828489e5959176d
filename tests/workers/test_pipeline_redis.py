"""The real Celery worker against the real Redis on loopback, with PostgreSQL: the scale-out column.
An audio-only upload (a phone recording a lesson as sound) goes through the whole pipeline."""

from __future__ import annotations

import random
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from models import JobState, TranscriptSegment
from models.db import session_scope
from testkit.synth_lesson import make_lesson
from tests.support.pipeline import wait_job, worker
from tingke import jobs_client
from tingke.settings import reset_settings

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def redis_broker(pg_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"redis://127.0.0.1:6379/{random.randint(1, 15)}"
    monkeypatch.setenv("TINGKE_BROKER_URL", url)
    monkeypatch.setenv("TINGKE_RESULT_BACKEND", url)
    reset_settings()
    jobs_client._client.cache_clear()
    yield url
    jobs_client._client.cache_clear()


def test_audio_upload_on_redis_and_postgres(redis_broker: str, pg_db: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from api.app import create_app
    from tingke.entry.demo import seed_demo

    with session_scope(pg_db) as session:
        seed_demo(session)
    synth = make_lesson(minutes=0.5, video=False)
    with TestClient(create_app()) as client:
        token = client.post("/api/auth/token", data={"username": "teacher4", "password": "tingke-demo"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        lesson_id = client.get("/api/lessons", headers=headers, params={"subject": "语文"}).json()["items"][0]["id"]
        with worker(tmp_path / "worker.log") as w:
            reply = client.post(f"/api/lessons/{lesson_id}/recording", params={"filename": "lesson.wav"},
                                content=synth.audio.read_bytes(), headers={**headers, "Content-Type": "audio/wav"})
            assert reply.status_code == 201, reply.text
            job = wait_job(pg_db, reply.json()["job_id"], w=w, timeout=150)
            assert job.state == JobState.done, (job.error, w.tail())
            assert "redis" in w.tail() or "Connected to" in w.tail()
        media = client.get(f"/api/lessons/{lesson_id}/media", headers=headers).json()
        assert [r["name"] for r in media["renditions"]] == ["a"]
        assert media["poster"] is None and media["storyboard"] == []
        playlist = client.get(media["audio_only"]).text
        assert "#EXT-X-ENDLIST" in playlist and "md5=" in playlist
        assert httpx.URL(media["download"]).path.endswith("download.mp4")
    with session_scope(pg_db) as session:
        count = session.scalar(select(func.count()).select_from(TranscriptSegment)
                               .where(TranscriptSegment.lesson_id == lesson_id))
        assert count and count > 0
