"""The ``tingke`` command as a new user runs it: migrate, seed, create users, run and stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

TINGKE = [sys.executable, "-m", "tingke.cli"]


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINGKE_")}
    env.update({"TINGKE_DATA_DIR": str(data), "TINGKE_LOG_LEVEL": "WARNING"}, **extra)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_migrate_seed_and_create_user(tmp_path):
    env = _env(tmp_path / "data")
    run = lambda *args, **kw: subprocess.run([*TINGKE, *args], env=env, capture_output=True, text=True,  # noqa: E731
                                             timeout=120, **kw)
    assert run("migrate").returncode == 0
    assert run("migrate").returncode == 0, "migrate must be idempotent"
    seeded = run("seed-demo")
    assert seeded.returncode == 0 and "tingke-demo" in seeded.stdout
    made = run("create-user", "zhao", "--name", "赵老师", "--role", "researcher", input="a-long-password\n")
    assert made.returncode == 0, made.stderr
    dup = run("create-user", "zhao", "--role", "researcher", input="a-long-password\n")
    assert dup.returncode == 2 and "taken" in dup.stderr
    short = run("create-user", "qian", "--role", "researcher", input="short\n")
    assert short.returncode == 2


@pytest.mark.slow
def test_run_serves_and_ctrl_c_stops_every_process(tmp_path):
    port, relay_port = _free_port(), _free_port()
    env = _env(tmp_path / "data", TINGKE_RELAY_PORT=str(relay_port), TINGKE_DEMO_PASSWORD="pw-for-this-test")
    proc = subprocess.Popen([*TINGKE, "run", "--demo", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        health = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as reply:
                    health = json.load(reply)
                if health["components"].get("relay") == "ok" or not _has("streaming.server"):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert health is not None and health["status"] == "ok", health
        assert health["components"]["database"] == "ok"
        if _has("streaming.server"):
            assert health["components"]["relay"] == "ok"
        children = _children(proc.pid)
        assert len(children) >= 1
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "teacher1" in out and "pw-for-this-test" in out, "the banner lists the demo sign-ins"
    assert f"http://127.0.0.1:{port}/" in out
    time.sleep(0.5)
    assert not [pid for pid in children if _alive(pid)], "Ctrl-C must stop every process tingke run started"


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"
