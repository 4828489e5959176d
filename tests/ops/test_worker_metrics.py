"""A real worker process with its exporter: a processed job shows in its metrics, and the id of the API
request that queued the job is on the worker's JSON log lines (task headers)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from models import Lesson
from models.db import session_scope
from testkit.synth_lesson import make_lesson
from tests.ops.test_api_signals import samples
from tests.support.pipeline import api_server, bearer, free_port, upload_resumable, wait_job, worker
from tingke import jobs_client

pytestmark = pytest.mark.slow


def test_processed_job_shows_in_worker_metrics_and_logs_carry_the_request_id(
        sqlite_db: str, sqlite_demo: dict[str, int], tmp_path: Path) -> None:
    jobs_client._client.cache_clear()
    synth = make_lesson(minutes=0.25, size="320x240")
    assert synth.video is not None
    with session_scope(sqlite_db) as session:
        lesson_id = session.scalars(select(Lesson.id).where(Lesson.teacher_id == sqlite_demo["teacher2"],
                                                            Lesson.title.contains("个人备课"))).one()
    port = free_port()
    env = {"TINGKE_WORKER_METRICS_PORT": str(port), "TINGKE_LOG_FORMAT": "json", "TINGKE_LOG_LEVEL": "INFO"}
    with api_server() as base, worker(tmp_path / "worker.log", env) as w:
        headers = dict(bearer(base, "teacher2"), **{"X-Request-ID": "upload-trace-7"})
        done = upload_resumable(base, headers, lesson_id, synth.video, 4 * 1024 * 1024)
        job = wait_job(sqlite_db, done["job_id"], w=w)
        assert job.state.value == "done", (job.error, w.tail())
        reply = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        refused = httpx.get(f"http://127.0.0.1:{port}/metrics", headers={"X-Real-IP": "198.51.100.4"}, timeout=10)
    assert reply.status_code == 200 and refused.status_code == 401
    assert samples(reply.text, "tingke_jobs_ended_total")[(("outcome", "done"),)] == 1
    stages = samples(reply.text, "tingke_job_stage_duration_seconds_count")
    ran = {dict(k)["stage"] for k, v in stages.items() if dict(k)["outcome"] == "ran" and v >= 1}
    assert {"ingest", "transcode", "transcribe", "index"} <= ran, stages
    jobs = samples(reply.text, "tingke_jobs")
    assert jobs[(("stage", "done"), ("state", "done"))] >= 1 or any(
        dict(k)["state"] == "done" and v >= 1 for k, v in jobs.items()), jobs
    lines = []
    for line in w.log.read_text(errors="replace").splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue  # Celery's banner is printed, not logged
    traced = [entry for entry in lines if entry.get("request_id") == "upload-trace-7"]
    assert any(f"job {job.id} claimed" in entry["message"] for entry in traced), lines[-20:]
