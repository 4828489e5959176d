"""The layers hold their direction (issue 17): ``models/`` imports nothing above it; the kernel in ``tingke/``
imports no plane; only the entry point (``tingke/entry/``) imports the planes; and no plane imports another's
code (``streaming/`` and ``workers/`` never import ``api/``; the API never imports the relay or the workers).
Read from the source with ``ast``, so an import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLANES = ("api", "streaming", "workers")


def _imports(folder: Path) -> dict[str, set[str]]:
    """file (relative) → the top-level packages (and ``tingke.entry``) it imports."""
    found: dict[str, set[str]] = {}
    for file in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            for module in modules:
                names.add("tingke.entry" if module.startswith("tingke.entry") else module.split(".")[0])
        found[str(file.relative_to(REPO))] = names
    return found


def _offenders(folder: str, forbidden: set[str], skip: str | None = None) -> list[str]:
    return sorted(f"{file}: {', '.join(sorted(names & forbidden))}"
                  for file, names in _imports(REPO / folder).items()
                  if names & forbidden and not (skip and file.startswith(skip)))


def test_models_import_nothing_above_them() -> None:
    assert _offenders("models", {"tingke", "tingke.entry", *PLANES}) == []


def test_the_kernel_imports_no_plane_and_only_the_entry_point_does() -> None:
    assert _offenders("tingke", {"tingke.entry", *PLANES}, skip="tingke/entry/") == []


def test_the_planes_stay_apart() -> None:
    assert _offenders("streaming", {"api", "workers", "tingke.entry"}) == []
    assert _offenders("workers", {"api", "streaming", "tingke.entry"}) == []
    assert _offenders("api", {"streaming", "workers", "tingke.entry"}) == []
