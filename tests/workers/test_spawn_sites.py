"""Every child process of the workers and of tingke/ goes through tingke/processes.py, so none can outlive
a killed worker (a new ``subprocess.Popen`` elsewhere would bring the orphan ffmpeg back)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SPAWNERS = {"Popen", "run", "call", "check_call", "check_output", "getoutput", "getstatusoutput"}
ALLOWED = {REPO / "tingke" / "processes.py"}


def _spawns(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else ""
            if (name == "subprocess" and node.func.attr in SPAWNERS) or (name == "ffmpeg" and node.func.attr in
                                                                         {"probe", "run", "run_async"}):
                found.append(f"{path.relative_to(REPO)}:{node.lineno} {name}.{node.func.attr}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {
                "create_subprocess_exec", "create_subprocess_shell", "system", "popen", "spawnv", "spawnvp"}:
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id in {"asyncio", "os"}:
                found.append(f"{path.relative_to(REPO)}:{node.lineno} {owner.id}.{node.func.attr}")
    return found


def test_workers_and_tingke_spawn_children_only_through_processes() -> None:
    files = [p for folder in ("workers", "tingke") for p in (REPO / folder).rglob("*.py") if p not in ALLOWED]
    assert files
    assert [spawn for path in files for spawn in _spawns(path)] == []
