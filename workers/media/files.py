"""Idempotent outputs: write into a temporary sibling, then swap it into place.

A rerun after a crash finds either the old complete output or the new complete output, never
a half-written one, and leftovers of a killed run are temporary names that the next run removes.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TMP_PREFIX = ".tmp-"


def clean_leftovers(folder: Path) -> None:
    """Remove temporary outputs of runs that were killed."""
    if folder.is_dir():
        for child in folder.iterdir():
            if child.name.startswith(TMP_PREFIX):
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)


@contextmanager
def new_dir(final: Path) -> Iterator[Path]:
    """Yield an empty temporary folder; on success it replaces ``final`` (old copy removed after)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f"{TMP_PREFIX}{final.name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = final.parent / f"{TMP_PREFIX}{final.name}-old-{uuid.uuid4().hex[:8]}"
    if final.exists():
        os.rename(final, old)
    os.rename(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def new_file(final: Path) -> Iterator[Path]:
    """Yield a temporary path (same suffix, so tools pick the format); renamed over ``final`` on success."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f"{TMP_PREFIX}{uuid.uuid4().hex[:8]}-{final.name}"
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, final)


def write_json(final: Path, data: Any) -> None:
    with new_file(final) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1))
