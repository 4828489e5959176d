"""Request bodies over TINGKE_JSON_BODY_MAX_BYTES are refused with 413 before they are read and before
authentication (api/kit/body_limit.py), on a real uvicorn server spoken to over a raw socket."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

LIMIT = 64 * 1024


@pytest.fixture
def server(sqlite_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, int]]:
    from api.app import create_app
    from tingke.settings import reset_settings

    monkeypatch.setenv("TINGKE_JSON_BODY_MAX_BYTES", str(LIMIT))
    reset_settings()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    uv = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not uv.started:
        time.sleep(0.05)
    yield sock.getsockname()
    uv.should_exit = True
    thread.join(timeout=10)
    sock.close()


def _reply(conn: socket.socket) -> tuple[int, dict[str, object]]:
    """Status and JSON body of the answer (read until the server closes or the body is complete)."""
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length"))
    while len(body) < length:
        body += conn.recv(65536)
    return int(head.split()[1]), json.loads(body[:length])


def test_a_declared_huge_body_is_refused_unread_and_unauthenticated(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as conn:
        conn.sendall(b"POST /api/lessons HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 209715200\r\n\r\n{\"title\":")  # 200 MiB announced, 9 bytes sent
        status, body = _reply(conn)  # answered without waiting for the rest: nobody read it
    assert status == 413
    assert body["error"]["code"] == "too_large" and body["error"]["limit"] == LIMIT  # type: ignore[index]


def test_a_chunked_body_is_counted_and_cut_at_the_limit(server: tuple[str, int]) -> None:
    chunk = b"x" * 16384
    with socket.create_connection(server) as conn:
        conn.sendall(b"POST /api/auth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")
        for _ in range(LIMIT // len(chunk) + 2):
            conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        status, body = _reply(conn)
    assert status == 413 and body["error"]["code"] == "too_large"  # type: ignore[index]


def test_bodies_under_the_limit_and_uploads_pass(server: tuple[str, int]) -> None:
    import httpx

    base = f"http://{server[0]}:{server[1]}"
    small = httpx.post(f"{base}/api/lessons", json={"title": "x" * 1000})
    assert small.status_code == 401  # read, then refused for the missing sign-in, not for its size
    big_chunk = httpx.patch(f"{base}/api/uploads/nope", content=b"\0" * (LIMIT * 2),
                            headers={"Upload-Offset": "0"})
    assert big_chunk.status_code == 401  # an upload chunk keeps its own (larger) limit
