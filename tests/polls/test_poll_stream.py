"""The live results stream over real HTTP: uvicorn on a free port, an httpx client reading incrementally."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from tests.polls.test_polls_api import answers, lesson_id, make_poll

SLOW_MACHINE = httpx.Timeout(30)  # several test suites share two cores: bounds, not speed claims


@pytest.fixture
def live_server(db_url: str, demo: dict[str, int]) -> Iterator[str]:
    from api.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def token(base: str, username: str) -> dict[str, str]:
    reply = httpx.post(f"{base}/api/auth/token", data={"username": username, "password": "tingke-demo"},
                       timeout=SLOW_MACHINE)
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def read_events(base: str, path: str, headers: dict[str, str], out: queue.Queue[Any], stop: threading.Event) -> None:
    """Parse the event stream line by line and hand each complete event to the test as it arrives."""
    headers = {**headers, "Accept": "text/event-stream"}
    with httpx.stream("GET", base + path, headers=headers, timeout=SLOW_MACHINE) as reply:
        out.put(("status", reply.status_code, reply.headers.get("content-type", "")))
        name, data = "message", ""
        for line in reply.iter_lines():
            if stop.is_set():
                return
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif line == "" and data:
                out.put((name, json.loads(data)))
                name, data = "message", ""


def next_results(events: queue.Queue[Any], timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        item = events.get(timeout=max(0.01, deadline - time.monotonic()))
        if item[0] == "results":
            return dict(item[1])


def test_stream_delivers_an_update_after_another_user_votes(live_server: str, db_url: str) -> None:
    host = token(live_server, "teacher1")
    with httpx.Client(base_url=live_server, headers=host, timeout=SLOW_MACHINE) as api:
        lid = lesson_id(db_url, "勾股定理（示范课）")
        poll = make_poll(api, {}, lesson_id=lid)  # type: ignore[arg-type]
    events: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()
    reader = threading.Thread(target=read_events, args=(live_server, f"/api/polls/{poll['id']}/events",
                                                        token(live_server, "teacher4"), events, stop), daemon=True)
    reader.start()
    status = events.get(timeout=30)
    assert status[1] == 200 and status[2].startswith("text/event-stream")
    first = next_results(events)
    assert first["respondents"] == 0

    voter = token(live_server, "teacher2")
    reply = httpx.put(f"{live_server}/api/polls/{poll['id']}/answers", json=answers(poll, single=1), headers=voter,
                      timeout=SLOW_MACHINE)
    assert reply.status_code == 200, reply.text
    update = next_results(events, timeout=15)  # a bound for a loaded machine, not a speed claim
    assert update["respondents"] == 1 and update["questions"][0]["counts"] == [0, 1, 0]
    assert update["version"] > first["version"]

    closed = httpx.post(f"{live_server}/api/polls/{poll['id']}/close", headers=host, timeout=SLOW_MACHINE)
    assert closed.status_code == 200
    assert next_results(events, timeout=15)["state"] == "closed"
    # a client that does not ask for a stream gets one snapshot and the response ends
    snapshot = httpx.get(f"{live_server}/api/polls/{poll['id']}/events", headers=host, timeout=SLOW_MACHINE)
    assert snapshot.status_code == 200 and snapshot.text.count("event: results") == 1
    stop.set()  # the reader leaves at its next event, closing its connection so that the server can stop
    reopened = httpx.post(f"{live_server}/api/polls/{poll['id']}/open", headers=host, timeout=SLOW_MACHINE)
    assert reopened.status_code == 200
    reader.join(timeout=20)
    assert not reader.is_alive()


@pytest.fixture
def second_process(live_server: str) -> Iterator[str]:
    """Another API process (its own interpreter) on the same database: what a scaled deployment runs."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--fd", str(sock.fileno()),
         "--log-level", "warning"],
        cwd=Path(__file__).resolve().parents[2], env=dict(os.environ), pass_fds=(sock.fileno(),),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, "the second API process exited"
        assert time.monotonic() < deadline, "the second API process did not start"
        try:
            if httpx.get(f"{base}/api/polls", timeout=2).status_code == 401:  # up, and asks who is calling
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    sock.close()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_vote_in_one_process_reaches_a_stream_of_another(live_server: str, second_process: str,
                                                           db_url: str) -> None:
    host = token(live_server, "teacher1")
    with httpx.Client(base_url=live_server, headers=host, timeout=SLOW_MACHINE) as api:
        poll = make_poll(api, {}, lesson_id=lesson_id(db_url, "勾股定理（示范课）"))  # type: ignore[arg-type]
    events: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()
    reader = threading.Thread(target=read_events, args=(second_process, f"/api/polls/{poll['id']}/events",
                                                        token(second_process, "teacher4"), events, stop), daemon=True)
    reader.start()
    assert events.get(timeout=30)[1] == 200
    assert next_results(events)["respondents"] == 0
    vote = httpx.put(f"{live_server}/api/polls/{poll['id']}/answers", json=answers(poll, single=2),
                     headers=token(live_server, "teacher3"), timeout=SLOW_MACHINE)
    assert vote.status_code == 200, vote.text
    update = next_results(events)
    assert update["respondents"] == 1 and update["questions"][0]["counts"] == [0, 0, 1]
    stop.set()
    # a last change wakes the reader so that it closes its connection before the processes stop
    assert httpx.post(f"{live_server}/api/polls/{poll['id']}/close", headers=host, timeout=SLOW_MACHINE).is_success
    reader.join(timeout=20)
