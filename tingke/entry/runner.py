"""``tingke run``: which planes exist, the banner, and the hand-over to the supervisor."""

from __future__ import annotations

import importlib.util
import os

from tingke.entry.supervisor import Plane, Supervisor
from tingke.settings import get_settings

PLANES = [
    Plane("api", "api.app", ("api",)),
    Plane("relay", "streaming.server", ("relay",)),
    Plane("worker", "workers.app", ("worker",)),
]


def available(plane: Plane) -> bool:
    try:
        return importlib.util.find_spec(plane.module) is not None
    except ModuleNotFoundError:
        return False


def run_all(env: dict[str, str]) -> int:
    """Serve the planes that exist under the supervisor (tingke/entry/supervisor.py) until Ctrl-C or SIGTERM."""
    planes = []
    for plane in PLANES:
        if available(plane):
            planes.append(plane)
        else:
            print(f"  {plane.name}: not part of this build yet (module {plane.module} missing)", flush=True)
    code = Supervisor(planes, env).run()
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
        from tingke.entry.demo import PEOPLE

        lines.append(f"  demo sign-ins (password: {s.demo_password}):")
        lines += [f"    {u:<12} {name}" for u, name, *_ in PEOPLE]
    lines.append("  Press Ctrl-C to stop.")
    return "\n".join(lines) + "\n"


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env
