"""``tingke run`` supervises its planes: a plane killed with -9 comes back while the API keeps answering,
and Ctrl-C still stops every process it started (children of children included)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.cli.test_cli import TINGKE, _env, _free_port
from tests.support import procs


def test_backoff_doubles_to_the_cap_and_resets_after_a_stable_run() -> None:
    from tingke.entry.supervisor import Backoff, describe_exit

    backoff = Backoff(first=1, cap=30, stable=60)
    assert [backoff.next_delay(uptime=0.5) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.next_delay(uptime=61) == 1  # it had stayed up: a new crash is a first crash
    assert backoff.next_delay(uptime=2) == 2
    assert describe_exit(-9) == "code -9 (SIGKILL)" and describe_exit(1) == "code 1"


def _plane_pid(run_pid: int, plane: str) -> int | None:
    """The pid of the direct child of ``tingke run`` serving ``plane`` (``tingke.entry.cli <plane>``)."""
    for pid in procs.children(run_pid):
        args = procs.cmdline(pid)
        if "tingke.entry.cli" in args and plane in args:
            return pid
    return None


def _answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def _wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


class HealthWatch(threading.Thread):
    """Asks /api/health every 0.2 s and keeps every failure (an API down for a moment is a failure)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.asked, self.failures = url, 0, []  # type: ignore[var-annotated]
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            self.asked += 1
            if not _answers(self.url, timeout=3.0):
                self.failures.append(time.strftime("%H:%M:%S"))


@pytest.mark.slow
def test_a_killed_plane_is_restarted_while_the_api_keeps_answering(tmp_path: Path) -> None:
    port, relay_port = _free_port(), _free_port()
    env = _env(tmp_path / "data", TINGKE_RELAY_PORT=str(relay_port))
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([*TINGKE, "run", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    health, relay_health = f"http://127.0.0.1:{port}/api/health", f"http://127.0.0.1:{relay_port}/health"
    watch = HealthWatch(health)
    try:
        _wait(lambda: _answers(health) and _answers(relay_health), 120, "the API and the relay")
        _wait(lambda: _plane_pid(proc.pid, "worker") is not None, 60, "the worker")
        first_relay, first_worker = _plane_pid(proc.pid, "relay"), _plane_pid(proc.pid, "worker")
        assert first_relay and first_worker
        watch.start()

        os.kill(first_relay, signal.SIGKILL)
        _wait(lambda: not _answers(relay_health, timeout=0.5), 10, "the killed relay to stop answering")
        _wait(lambda: _answers(relay_health), 60, "the relay to answer again")
        second_relay = _plane_pid(proc.pid, "relay")
        assert second_relay not in (None, first_relay)

        os.kill(first_worker, signal.SIGKILL)
        _wait(lambda: _plane_pid(proc.pid, "worker") not in (None, first_worker), 60, "a new worker")
        time.sleep(1.0)  # the health watch goes on over the restarts
        watch.stopped.set()
        watch.join(timeout=10)
        assert watch.asked >= 10 and watch.failures == [], (watch.failures, log.read_text(errors="replace"))
        assert proc.poll() is None, "tingke run must keep serving when one plane dies"
        text = log.read_text(errors="replace")
        assert f"the relay plane (pid {first_relay}) exited with code -9 (SIGKILL)" in text, text
        assert f"the worker plane (pid {first_worker}) exited with code -9 (SIGKILL)" in text, text

        everything = procs.descendants(proc.pid)
        assert len(everything) >= 3
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        watch.stopped.set()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    time.sleep(0.5)
    assert not [pid for pid in everything if procs.alive(pid)], "Ctrl-C must stop every process tingke run started"
    assert not _answers(health, timeout=1) and not _answers(relay_health, timeout=1)


@pytest.mark.slow
def test_planes_die_with_a_killed_tingke_run(tmp_path: Path) -> None:
    """``tingke run`` itself killed with -9 runs no cleanup: its planes must not serve on as orphans."""
    port, relay_port = _free_port(), _free_port()
    env = _env(tmp_path / "data", TINGKE_RELAY_PORT=str(relay_port))
    proc = subprocess.Popen([*TINGKE, "run", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    health = f"http://127.0.0.1:{port}/api/health"
    planes: set[int] = set()
    try:
        _wait(lambda: _answers(health) and _answers(f"http://127.0.0.1:{relay_port}/health"), 120, "the planes")
        _wait(lambda: _plane_pid(proc.pid, "worker") is not None, 60, "the worker")
        planes = procs.descendants(proc.pid)
        assert len(planes) >= 3
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while [p for p in planes if procs.alive(p)] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in planes if procs.alive(p)], "the planes outlived tingke run"
        assert not _answers(health, timeout=1)
    finally:
        for pid in planes:  # what a failure left behind
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
