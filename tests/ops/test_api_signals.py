"""The API's operator signals: /metrics after real requests, request ids, JSON log lines, /api/ready."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from models import Lesson, LessonStatus
from models.db import session_scope
from tests.streaming.conftest import RelayProcess
from tests.support.pipeline import free_port
from tingke.settings import reset_settings

REPO = Path(__file__).resolve().parents[2]
METRICS_TOKEN = "scrape-me-" + "x" * 20


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Every sample of metric ``name`` by its sorted labels."""
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


@pytest.fixture
def scraper(sqlite_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app with a metrics token (TestClient's peer is not loopback, like a scraper elsewhere)."""
    monkeypatch.setenv("TINGKE_METRICS_TOKEN", METRICS_TOKEN)
    reset_settings()
    from api.app import create_app
    from tingke.entry.demo import seed_demo

    with session_scope(sqlite_db) as session:
        seed_demo(session)
    with TestClient(create_app()) as client:
        yield client


def scrape(client: TestClient) -> str:
    reply = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain")
    return reply.text


def test_metrics_count_requests_by_route_template_and_lessons_live(scraper: TestClient, sqlite_db: str) -> None:
    assert scraper.get("/metrics").status_code == 401  # not loopback, no token
    assert scraper.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    before = samples(scrape(scraper), "tingke_http_requests_total")
    key = (("method", "GET"), ("route", "/api/lessons/{lesson_id}"), ("status", "401"))
    for lesson_id in (1, 2, 3):  # three raw paths, one route template
        assert scraper.get(f"/api/lessons/{lesson_id}").status_code == 401
    text = scrape(scraper)
    after = samples(text, "tingke_http_requests_total")
    assert after[key] - before.get(key, 0) == 3
    assert not any(dict(k).get("route", "").endswith("/1") for k in after)  # raw paths never become labels
    assert samples(text, "tingke_http_request_duration_seconds_count")[(("method", "GET"), ("route",
                   "/api/lessons/{lesson_id}"))] >= 3
    assert samples(text, "tingke_lessons_live")[()] == 0
    with session_scope(sqlite_db) as session:
        lesson = session.scalars(select(Lesson)).first()
        assert lesson is not None
        lesson.status = LessonStatus.live
    assert samples(scrape(scraper), "tingke_lessons_live")[()] == 1


def test_request_id_is_kept_or_created_and_returned(scraper: TestClient) -> None:
    kept = scraper.get("/api/health", headers={"X-Request-ID": "nginx-4f2a.17"})
    assert kept.headers["x-request-id"] == "nginx-4f2a.17"
    made = scraper.get("/api/health")
    assert len(made.headers["x-request-id"]) == 32
    assert made.headers["x-request-id"] != scraper.get("/api/health").headers["x-request-id"]
    hostile = scraper.get("/api/health", headers={"X-Request-ID": "a b\"<script>"})  # not echoed into logs
    assert hostile.headers["x-request-id"] != "a b\"<script>" and len(hostile.headers["x-request-id"]) == 32


def test_ready_is_503_naming_the_database_while_it_is_down(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINGKE_DATABASE_URL", "postgresql+psycopg://tingke@127.0.0.1:9/tingke?connect_timeout=1")
    reset_settings()
    from api.app import create_app

    with TestClient(create_app()) as client:
        reply = client.get("/api/ready")
        assert reply.status_code == 503
        body = reply.json()
        assert body["status"] == "not_ready"
        assert set(body["down"]) == {"database", "relay"}  # the env fixture points the relay at a dead port
        assert body["down"]["database"].startswith("error")
        live = client.get("/api/health")
        assert live.status_code == 200 and live.json()["status"] == "degraded"  # liveness: still answering


def test_ready_is_200_with_database_and_relay_up(sqlite_db: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "relay-data").mkdir()
    relay = RelayProcess(tmp_path / "relay-data", live_record="false")
    try:
        monkeypatch.setenv("TINGKE_RELAY_PUBLIC_URL", relay.base_url)
        reset_settings()
        from api.app import create_app

        with TestClient(create_app()) as client:
            reply = client.get("/api/ready")
            assert reply.status_code == 200, reply.text
            assert reply.json() == {"status": "ready", "down": {}, "components": reply.json()["components"]}
            monkeypatch.setenv("TINGKE_BROKER_URL", "redis://127.0.0.1:9/0")  # scale-out column, broker down
            reset_settings()
            down = client.get("/api/ready")
            assert down.status_code == 503 and set(down.json()["down"]) == {"broker"}
    finally:
        relay.stop()


def test_json_log_line_carries_the_request_id(sqlite_db: str, tmp_path: Path) -> None:
    """``tingke api`` with TINGKE_LOG_FORMAT=json: one JSON object per line, the request's id in it."""
    port = free_port()
    log = tmp_path / "api.log"
    env = {k: v for k, v in os.environ.items()}
    env.update(TINGKE_LOG_FORMAT="json", TINGKE_PORT=str(port), PYTHONPATH=str(REPO))
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tingke.entry.cli", "api"], cwd=REPO, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/api/lessons/7", headers={"X-Request-ID": "trace-me-42"})
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
                time.sleep(0.3)
        assert reply.headers["x-request-id"] == "trace-me-42"
        deadline = time.monotonic() + 10
        while "trace-me-42" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # every line is one JSON object
    access = [p for p in parsed if p.get("request_id") == "trace-me-42"]
    assert access, lines
    assert access[0]["route"] == "/api/lessons/{lesson_id}" and access[0]["status"] == 401
    assert {"time", "level", "logger", "message"} <= set(access[0])


def test_several_api_processes_are_summed_in_multiprocess_mode(sqlite_db: str, tmp_path: Path) -> None:
    """``tingke api`` with two uvicorn processes and PROMETHEUS_MULTIPROC_DIR (as tingke-api.service runs
    it): a scrape, which reaches one of them, counts the requests both answered."""
    port = free_port()
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = dict(os.environ, TINGKE_PORT=str(port), TINGKE_API_WORKERS="2", PROMETHEUS_MULTIPROC_DIR=str(folder),
               PYTHONPATH=str(REPO))
    with (tmp_path / "api.log").open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tingke.entry.cli", "api"], cwd=REPO, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    sent = 0
    try:
        deadline = time.monotonic() + 60
        while len(list(folder.glob("counter_*.db"))) < 2:  # each process has written its file
            assert time.monotonic() < deadline and proc.poll() is None, (tmp_path / "api.log").read_text()
            with httpx.Client() as c:  # new connections: uvicorn's processes share the socket
                try:
                    c.get(f"{base}/api/lessons/1")
                    sent += 1
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        for _ in range(40):
            with httpx.Client() as c:
                c.get(f"{base}/api/lessons/1")
                sent += 1
        answered = {p.name for p in folder.glob("counter_*.db")}
        text = httpx.get(f"{base}/metrics", timeout=10).text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert len(answered) == 2
    key = (("method", "GET"), ("route", "/api/lessons/{lesson_id}"), ("status", "401"))
    # both processes answered some (each wrote its file): only their sum is every request sent
    assert samples(text, "tingke_http_requests_total")[key] == sent
