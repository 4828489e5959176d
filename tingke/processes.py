"""Child processes (ffmpeg, ffprobe) that never outlive the process that started them.

A worker killed with ``kill -9`` runs no ``finally``: without help its ffmpeg keeps transcoding
beside the retry that the sweeper starts, writing into the same lesson folder. On Linux every
child started here asks the kernel for SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``,
set in the child between fork and exec), and :func:`child` terminates it when the caller stops
early (an exception, a lost lease, a cancelled task).

The kernel's "parent" is the *thread* that forked: start children from a thread that waits for
them (every caller here does), never from a short-lived helper thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
from collections.abc import Callable, Iterator, Sequence
from typing import Any

PR_SET_PDEATHSIG = 1
STOP_GRACE_SECONDS = 5.0


def _load_prctl() -> Any:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):  # not Linux: children simply outlive a killed parent
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


_PRCTL = _load_prctl()  # resolved once here: the child between fork and exec only calls it


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child die with the calling thread; None where unsupported."""
    if _PRCTL is None:
        return None
    parent = os.getpid()
    prctl = _PRCTL

    def preexec() -> None:
        # Only a prepared foreign call and a system call: nothing that takes a lock another thread
        # of the parent might have held at fork time.
        if prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            os._exit(127)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(127)

    return preexec


def popen(cmd: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen`` whose child is killed when this process dies."""
    if "preexec_fn" in kwargs:
        raise TypeError("popen sets preexec_fn itself")
    return subprocess.Popen(list(cmd), preexec_fn=die_with_parent(), **kwargs)


def run(cmd: Sequence[str], *, timeout: float | None = None, **kwargs: Any) -> subprocess.CompletedProcess[Any]:
    """``subprocess.run`` (which kills the child on any exception) with the parent-death signal."""
    if "preexec_fn" in kwargs:
        raise TypeError("run sets preexec_fn itself")
    return subprocess.run(list(cmd), timeout=timeout, preexec_fn=die_with_parent(), **kwargs)


def stop(proc: subprocess.Popen[Any], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; always reaps the child."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


@contextlib.contextmanager
def child(cmd: Sequence[str], **kwargs: Any) -> Iterator[subprocess.Popen[Any]]:
    """A child for the length of a ``with`` block: leaving it early (any exception) stops the child."""
    proc = popen(cmd, **kwargs)
    try:
        yield proc
    finally:
        stop(proc)
