"""Real worker processes, a real HTTP server and a resumable-upload client for pipeline tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from models import Job, JobState
from models.db import session_scope

REPO = Path(__file__).resolve().parents[2]

FAST_LEASES = {
    "TINGKE_JOB_LEASE_SECONDS": "6",
    "TINGKE_JOB_SWEEP_SECONDS": "1",
    "TINGKE_JOB_RESEND_AFTER_SECONDS": "5",
    "TINGKE_BROKER_POLL_SECONDS": "0.1",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Worker:
    """``tingke worker`` as a child process in its own process group (so -9 takes all of it)."""

    def __init__(self, log: Path, extra_env: dict[str, str] | None = None) -> None:
        env = dict(os.environ, **FAST_LEASES, **(extra_env or {}))
        env["PYTHONPATH"] = str(REPO)
        self.log = log
        self._log_handle = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "tingke.entry.cli", "worker"], cwd=REPO, env=env,
                                     stdout=self._log_handle, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_handle.close()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@contextmanager
def worker(log: Path, extra_env: dict[str, str] | None = None) -> Iterator[Worker]:
    w = Worker(log, extra_env)
    try:
        yield w
    finally:
        w.stop()


def wait_job(db_url: str, job_id: int, *, timeout: float = 180, until: Any = None, w: Worker | None = None) -> Job:
    """Poll the Job row until it is done or failed (or ``until(job)`` is true)."""
    deadline = time.monotonic() + timeout
    while True:
        with session_scope(db_url) as session:
            job = session.get(Job, job_id)
            assert job is not None
            session.expunge(job)
        if (until is not None and until(job)) or (until is None and job.state in (JobState.done, JobState.failed)):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} stuck at {job.state} {job.stage} {job.progress}%"
                                 + (f"\nworker log:\n{w.tail()}" if w else ""))
        time.sleep(0.3)


@contextmanager
def api_server() -> Iterator[str]:
    """The real app under uvicorn on a free loopback port; yields its base URL."""
    from api.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def bearer(base: str, username: str, password: str = "tingke-demo") -> dict[str, str]:
    reply = httpx.post(f"{base}/api/auth/token", data={"username": username, "password": password})
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def broken_chunk(base: str, headers: dict[str, str], upload_url: str, offset: int, chunk: bytes, send: int) -> None:
    """Announce a whole chunk but send only ``send`` bytes, then drop the connection (a phone
    losing its signal mid-request)."""
    host, port = base.removeprefix("http://").split(":")
    head = [f"PATCH {upload_url} HTTP/1.1", f"Host: {host}:{port}", f"Upload-Offset: {offset}",
            "Content-Type: application/offset+octet-stream", f"Content-Length: {len(chunk)}",
            *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall("\r\n".join(head).encode() + chunk[:send])
        time.sleep(0.5)  # let the server write what arrived
    time.sleep(0.3)


def upload_resumable(base: str, headers: dict[str, str], lesson_id: int, path: Path, chunk_size: int,
                     *, break_at_chunk: int | None = None) -> dict[str, Any]:
    """The client side of the protocol: create, PATCH chunks, after a break ask the offset and resume."""
    data = path.read_bytes()
    created = httpx.post(f"{base}/api/lessons/{lesson_id}/recording", headers=headers,
                         json={"size": len(data), "filename": path.name})
    assert created.status_code == 201, created.text
    url = created.json()["url"]
    offset, chunk_no, broke = 0, 0, False
    while True:
        chunk = data[offset: offset + chunk_size]
        if break_at_chunk is not None and chunk_no == break_at_chunk and not broke:
            broke = True
            broken_chunk(base, headers, url, offset, chunk, len(chunk) // 2)
            reply = httpx.get(f"{base}{url}", headers=headers)
            assert reply.status_code == 200, reply.text
            resumed = reply.json()["offset"]
            assert offset <= resumed < offset + len(chunk), (offset, resumed)
            head = httpx.head(f"{base}{url}", headers=headers)
            assert int(head.headers["Upload-Offset"]) == resumed
            offset = resumed
            continue
        reply = httpx.patch(f"{base}{url}", headers={**headers, "Upload-Offset": str(offset),
                                                     "Content-Type": "application/offset+octet-stream"},
                            content=chunk, timeout=120)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        chunk_no += 1
        if body.get("complete"):
            body["broke"] = broke
            return body
        offset = body["offset"]


@pytest.fixture
def sqlite_demo(sqlite_db: str) -> dict[str, int]:
    """The demo community on SQLite only, for tests about workers rather than database backends."""
    from tingke.entry.demo import seed_demo

    with session_scope(sqlite_db) as session:
        return {name: user.id for name, user in seed_demo(session).items()}


@pytest.fixture
def sqlite_client(sqlite_demo: dict[str, int]) -> Iterator[TestClient]:
    from api.app import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


def token_headers(client: TestClient, username: str) -> dict[str, str]:
    reply = client.post("/api/auth/token", data={"username": username, "password": "tingke-demo"})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}
