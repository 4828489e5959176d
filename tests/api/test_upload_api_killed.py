"""The API process killed with -9 in the middle of a resumable upload (a chunk half received): after a
restart the client asks the offset, finishes, and the stored recording is byte-identical to the phone's."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from models import Lesson, MediaAsset
from models.db import session_scope
from testkit.synth_lesson import make_lesson
from tests.support.pipeline import REPO, bearer, free_port, sqlite_demo
from tingke.settings import get_settings

pytestmark = pytest.mark.slow
__all__ = ["sqlite_demo"]  # the fixture: the demo community on SQLite

MiB = 1024 * 1024
CHUNK = 2 * MiB  # the API's chunk limit in this test: a chunk spans two of its 1 MiB writes


@contextmanager
def api_process(port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``tingke api`` as its own process (the test's settings come through the environment)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), TINGKE_UPLOAD_CHUNK_MAX_BYTES=str(CHUNK), TINGKE_LOG_LEVEL="WARNING")
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tingke.entry.cli", "api", "--port", str(port)], cwd=REPO,
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def patch(base: str, headers: dict[str, str], url: str, offset: int, chunk: bytes) -> dict[str, object]:
    reply = httpx.patch(f"{base}{url}", content=chunk, timeout=120,
                        headers={**headers, "Upload-Offset": str(offset),
                                 "Content-Type": "application/offset+octet-stream"})
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def test_api_killed_mid_upload_resumes_byte_identical(sqlite_db: str, sqlite_demo: dict[str, int],
                                                     tmp_path: Path) -> None:
    synth = make_lesson(minutes=0.75, size="854x480")
    assert synth.video is not None
    data = synth.video.read_bytes()
    assert len(data) > 3 * CHUNK
    with session_scope(sqlite_db) as session:
        lesson_id = session.query(Lesson.id).filter(Lesson.teacher_id == sqlite_demo["teacher2"]).first()[0]
    port, log = free_port(), tmp_path / "api.log"
    base = f"http://127.0.0.1:{port}"

    with api_process(port, log) as first:
        headers = bearer(base, "teacher2")
        created = httpx.post(f"{base}/api/lessons/{lesson_id}/recording", headers=headers,
                             json={"size": len(data), "filename": "课堂实录.mp4"})
        assert created.status_code == 201, created.text
        url, uid = created.json()["url"], created.json()["upload_id"]
        offset = 0
        while offset < len(data) // 2:  # the first half, chunk by chunk
            offset = int(patch(base, headers, url, offset, data[offset:offset + CHUNK])["offset"])  # type: ignore[call-overload]
        on_disk = get_settings().media_root / "uploads" / uid / "data"
        assert on_disk.stat().st_size == offset

        # The next chunk is announced whole, 1.5 MiB of it sent, and the API dies while it reads the rest.
        chunk = data[offset:offset + CHUNK]
        head = (f"PATCH {url} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpload-Offset: {offset}\r\n"
                f"Content-Type: application/offset+octet-stream\r\nContent-Length: {len(chunk)}\r\n"
                + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n")
        sock = socket.create_connection(("127.0.0.1", port))
        try:
            sock.sendall(head.encode() + chunk[: 3 * MiB // 2])
            deadline = time.monotonic() + 20
            while on_disk.stat().st_size < offset + MiB:  # the API wrote its first 1 MiB of the chunk
                assert time.monotonic() < deadline, "the API did not write the chunk's first MiB"
                time.sleep(0.02)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            sock.close()
    torn = offset

    with api_process(port, log):
        headers = bearer(base, "teacher2")
        resumed = int(httpx.head(f"{base}{url}", headers=headers).headers["Upload-Offset"])
        assert torn + MiB <= resumed <= torn + 3 * MiB // 2, (torn, resumed)  # what reached the disk is kept
        assert httpx.get(f"{base}{url}", headers=headers).json()["offset"] == resumed
        offset, done = resumed, None
        while done is None or not done.get("complete"):
            done = patch(base, headers, url, offset, data[offset:offset + CHUNK])
            offset = int(done["offset"])  # type: ignore[call-overload]
        assert done["size"] == len(data) and done["job_id"]

    with session_scope(sqlite_db) as session:
        asset = session.get(MediaAsset, int(done["asset_id"]))  # type: ignore[call-overload]
        assert asset is not None and asset.lesson_id == lesson_id
        stored = get_settings().media_root / asset.path
    assert stored.stat().st_size == len(data)
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert not (get_settings().media_root / "uploads" / uid).exists()  # the upload's folder is gone once stored
