"""``tingke run``: start every plane as a child process and stop them all together on Ctrl-C."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from tingke.settings import get_settings


@dataclass
class Plane:
    name: str
    module: str  # the module that must exist for this plane to start
    args: list[str]


PLANES = [
    Plane("api", "api.app", ["api"]),
    Plane("relay", "streaming.server", ["relay"]),
    Plane("worker", "workers.app", ["worker"]),
]


def available(plane: Plane) -> bool:
    try:
        return importlib.util.find_spec(plane.module) is not None
    except ModuleNotFoundError:
        return False


def _stop(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in children.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in children.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_all(env: dict[str, str]) -> int:
    """Start the planes that exist, watch them, and stop all when one dies or on a signal."""
    children: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    for plane in PLANES:
        if not available(plane):
            print(f"  {plane.name}: not part of this build yet (module {plane.module} missing)", flush=True)
            continue
        children[plane.name] = subprocess.Popen([sys.executable, "-m", "tingke.cli", *plane.args], env=env)
    code = 0
    try:
        while not stopping:
            for name, proc in children.items():
                if proc.poll() is not None:
                    print(f"tingke: the {name} process exited with code {proc.returncode}; stopping all",
                          file=sys.stderr, flush=True)
                    stopping, code = True, 1
                    break
            time.sleep(0.3)
    finally:
        _stop(children)
    print("tingke: stopped", flush=True)
    return code


def banner(demo: bool) -> str:
    s = get_settings()
    lines = [
        "",
        f"  tingke 听课 is running at {s.api_base}/",
        f"  API docs: {s.api_base}/docs    relay: {s.relay_base}    data: {s.data_dir.resolve()}",
    ]
    if demo:
        from tingke.demo import PEOPLE

        lines.append(f"  demo sign-ins (password: {s.demo_password}):")
        lines += [f"    {u:<12} {name}" for u, name, *_ in PEOPLE]
    lines.append("  Press Ctrl-C to stop.")
    return "\n".join(lines) + "\n"


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env
