"""The process table as fault tests read it (from /proc): who is whose child, who is still alive."""

from __future__ import annotations

from pathlib import Path


def parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def alive(pid: int) -> bool:
    """Running (a zombie is not: it is only waiting for its parent to read its exit code)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def cmdline(pid: int) -> list[str]:
    try:
        return [a.decode(errors="replace") for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    except OSError:
        return []


def all_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def children(pid: int) -> set[int]:
    return {p for p in all_pids() if parent_of(p) == pid and alive(p)}


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid``: children of children too."""
    parents = {p: parent_of(p) for p in all_pids()}
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return {p for p in found if alive(p)}


def running(program: str, mentioning: str) -> set[int]:
    """Living ``program`` processes (ffmpeg, ffprobe) whose command line mentions ``mentioning`` (a folder)."""
    found = set()
    for pid in all_pids():
        args = cmdline(pid)
        if args and Path(args[0]).name == program and any(mentioning in a for a in args) and alive(pid):
            found.add(pid)
    return found
