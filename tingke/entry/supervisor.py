"""``tingke run``'s supervisor: every plane a child process, restarted when it dies, all stopped together.

A plane that exits on its own (a crash, ``kill -9``, the OOM killer) is logged with its exit code
and started again after a back-off (1, 2, 4 … 30 s; back to 1 s once it stayed up a minute), while
the other planes keep serving. A crash of one plane must not take the lesson down with it.

Each plane runs in its own process group, and dies with the supervisor (parent-death signal), so
nothing outlives ``tingke run``: whatever a dead plane left in its group (the relay's live ffmpeg, a
worker's transcode) is killed before the plane starts again, and Ctrl-C / SIGTERM stop every plane
and then every group. A stop asks each plane first (SIGTERM to the plane only: a worker finishes or
abandons its job itself, its ffmpeg is not shot from under it and the job is not marked failed), and
kills its whole group after the grace period. A second Ctrl-C kills at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from tingke import processes

log = logging.getLogger("tingke.entry.supervisor")

FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0
STABLE_SECONDS = 60.0  # up this long: the next crash starts the back-off from the first delay again
STOP_GRACE_SECONDS = 15.0
TICK_SECONDS = 0.2


@dataclass(frozen=True)
class Plane:
    """One plane: the ``tingke`` sub-command that serves it, and the module it needs."""

    name: str
    module: str
    args: tuple[str, ...]


@dataclass
class Backoff:
    """Delays before restarts: doubling from ``first`` to ``cap``; reset by an uptime of ``stable``."""

    first: float = FIRST_DELAY_SECONDS
    cap: float = MAX_DELAY_SECONDS
    stable: float = STABLE_SECONDS
    failures: int = 0

    def next_delay(self, uptime: float) -> float:
        if uptime >= self.stable:
            self.failures = 0
        delay = min(self.cap, self.first * 2 ** min(self.failures, 30))
        self.failures += 1
        return delay


@dataclass
class Child:
    """A plane's current process (None while it waits for its restart)."""

    plane: Plane
    backoff: Backoff
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restart_at: float = 0.0
    restarts: int = 0
    history: list[int] = field(default_factory=list)  # pids, oldest first


def describe_exit(code: int) -> str:
    """``code 1`` or ``code -9 (SIGKILL)``: the exit code as Popen reports it, with the signal's name."""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"code {code} ({signal.Signals(-code).name})"
    return f"code {code}"


def _exited(pid: int) -> bool:
    """Whether the child exited, without reaping it: while it is a zombie its pid, and so its
    process group id, cannot be reused, so killing the group afterwards cannot hit a stranger."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True  # already reaped


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class Supervisor:
    """Starts the planes, restarts the ones that die, stops all on SIGINT/SIGTERM (see the module doc)."""

    def __init__(self, planes: Sequence[Plane], env: dict[str, str], *, grace: float = STOP_GRACE_SECONDS,
                 backoff: Backoff | None = None) -> None:
        template = backoff or Backoff()
        self.children = [Child(p, Backoff(template.first, template.cap, template.stable)) for p in planes]
        self.env = env
        self.grace = grace
        self._stop = threading.Event()
        self._signals = 0

    def command(self, plane: Plane) -> list[str]:
        return [sys.executable, "-m", "tingke.entry.cli", *plane.args]

    def _start(self, child: Child) -> None:
        proc = processes.popen(self.command(child.plane), env=self.env, start_new_session=True)
        child.proc, child.started = proc, time.monotonic()
        child.history.append(proc.pid)
        if child.restarts:
            log.warning("tingke: the %s plane started again (pid %d, restart %d)", child.plane.name, proc.pid,
                        child.restarts)

    def _reap(self, child: Child) -> int:
        """The exited plane's code, after killing what it left in its process group."""
        assert child.proc is not None
        _kill_group(child.proc.pid)
        code = child.proc.wait()
        child.proc = None
        return code

    def _check(self, child: Child, now: float) -> None:
        if child.proc is None:
            if now >= child.restart_at:
                child.restarts += 1
                self._start(child)
            return
        if not _exited(child.proc.pid):
            return
        pid, uptime = child.proc.pid, now - child.started
        code = self._reap(child)
        delay = child.backoff.next_delay(uptime)
        child.restart_at = now + delay
        log.warning("tingke: the %s plane (pid %d) exited with %s after %.1f s; restarting it in %.0f s, "
                    "the other planes keep serving", child.plane.name, pid, describe_exit(code), uptime, delay)

    def _on_signal(self, signum: int, _frame: object) -> None:
        self._signals += 1
        self._stop.set()
        if self._signals > 1:  # asked twice: do not wait for anyone
            for child in self.children:
                if child.proc is not None:
                    _kill_group(child.proc.pid)

    def run(self) -> int:
        """Serve until SIGINT or SIGTERM; returns 0 once every plane and its group has stopped."""
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        try:
            for child in self.children:
                if not self._stop.is_set():
                    self._start(child)
            while not self._stop.is_set():
                now = time.monotonic()
                for child in self.children:
                    if not self._stop.is_set():
                        self._check(child, now)
                self._stop.wait(TICK_SECONDS)
        finally:
            self.stop_all()
        return 0

    def stop_all(self) -> None:
        """SIGTERM to each plane; after the grace period SIGKILL to each plane's whole group."""
        running = [c for c in self.children if c.proc is not None]
        for child in running:
            assert child.proc is not None
            with contextlib.suppress(ProcessLookupError):
                child.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        while running:
            for child in list(running):
                assert child.proc is not None
                if _exited(child.proc.pid) or time.monotonic() >= deadline:
                    if not _exited(child.proc.pid):
                        log.warning("tingke: the %s plane did not stop within %.0f s; killing it",
                                    child.plane.name, self.grace)
                    self._reap(child)
                    running.remove(child)
            if running:
                time.sleep(0.05)
