"""A real API process (uvicorn in its own interpreter) on a free loopback port, for tests and benchmarks
that need what one process does under load: its event loop, its thread pool, its database pool."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class ApiProcess:
    proc: subprocess.Popen[bytes]
    base: str

    @property
    def pid(self) -> int:
        return self.proc.pid


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    return sock


@contextmanager
def api_process(env: dict[str, str], *, cwd: Path = ROOT, start_timeout: float = 90.0,
                log_level: str = "warning", log: Path | None = None) -> Iterator[ApiProcess]:
    """Start ``uvicorn api.app:create_app`` with ``env`` (the TINGKE_* settings) on a socket it inherits;
    yield once ``/api/health`` answers; stop it (SIGTERM, then SIGKILL) on exit. ``log``: a file for its
    output (else it goes to ours)."""
    sock = _listening_socket()
    out = open(log, "wb") if log else None  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--fd",
                             str(sock.fileno()), "--log-level", log_level, "--timeout-graceful-shutdown", "5"],
                            cwd=cwd, env={**os.environ, **env}, pass_fds=(sock.fileno(),), stdout=out,
                            stderr=subprocess.STDOUT if out else None)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the API process exited with code {proc.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("the API process did not start")
            try:
                if httpx.get(f"{base}/api/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield ApiProcess(proc, base)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        sock.close()
        if out:
            out.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
