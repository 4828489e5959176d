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

TINGKE = [sys.executable, "-m", "tingke.entry.cli"]


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


def test_users_import_reset_password_and_create_user_by_school_name(tmp_path):
    """What an operator needs without the API: import the office's file, reset a password, name a school."""
    from tests.admin.helpers import PEOPLE_HEADER, teachers, xlsx

    env = _env(tmp_path / "data")
    run = lambda *args, **kw: subprocess.run([*TINGKE, *args], env=env, capture_output=True, text=True,  # noqa: E731
                                             timeout=120, **kw)
    assert run("migrate").returncode == 0 and run("seed-demo").returncode == 0
    made = run("create-user", "qian", "--name", "钱老师", "--school", "石桥村小学", input="a-long-password\n")
    assert made.returncode == 0, made.stderr

    book = tmp_path / "名册.xlsx"
    rows = teachers(3, "石桥村小学")
    rows.append(("坏行", "T0009", "12345", "石桥村小学", "数学", "一年级", "教师"))
    book.write_bytes(xlsx(PEOPLE_HEADER, rows))
    preview = run("users", "import", str(book))  # no terminal, no --yes: a preview only
    assert preview.returncode == 0, preview.stderr
    assert "新建 3，更新 0，不变 0，错误 1" in preview.stdout and "手机号格式不正确" in preview.stdout
    assert "nothing written" in preview.stdout
    written = run("users", "import", str(book), "--yes")
    assert written.returncode == 0, written.stderr
    assert "written: 新建 3" in written.stdout and written.stdout.count(",T000") == 3
    again = run("users", "import", str(book), "--yes")
    assert "新建 0，更新 0，不变 3，错误 1" in again.stdout and "nothing to write" in again.stdout

    reset = run("users", "reset-password", "teacher1")  # the name exists: it is reset, not refused
    assert reset.returncode == 0, reset.stderr
    assert "one-time password" in reset.stdout
    by_no = run("users", "reset-password", "T0001", "--password", "chosen-by-operator")
    assert by_no.returncode == 0 and "one-time" not in by_no.stdout
    assert run("users", "reset-password", "nobody").returncode == 2
