"""How the API streams media bytes: in threads of its own, never the request threads, no database.

The embedded default serves HLS from the API (nginx or a CDN does at scale). Starlette's FileResponse
reads 64 KiB at a time, each read a trip through anyio's default thread limiter: the same 40 threads
that run every sync endpoint. A 1.5 MB segment took ~25 trips, each queued behind requests waiting on
the database, and under load a segment took 30 s. Here a file of up to ``WHOLE_FILE_MAX`` bytes (every
playlist, segment, poster and key frame) is read in one trip to a small limiter of media threads and
sent from memory. Larger files (the download) keep FileResponse for its Range support (a phone resumes
a download), in 1 MiB reads: 16 times fewer trips.
"""

from __future__ import annotations

import asyncio
import hashlib
import weakref
from collections.abc import Callable, Mapping
from email.utils import formatdate
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fastapi.responses import FileResponse, Response

MEDIA_THREADS = 8
WHOLE_FILE_MAX = 8 * 1024 * 1024
STREAM_CHUNK = 1024 * 1024

T = TypeVar("T")
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()


def _limiter() -> anyio.CapacityLimiter:
    """One limiter per event loop (tests run several loops in one process)."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(MEDIA_THREADS)
    return limiter


async def in_media_thread(func: Callable[..., T], *args: Any) -> T:
    return await anyio.to_thread.run_sync(func, *args, limiter=_limiter())


class LargeFileResponse(FileResponse):
    chunk_size = STREAM_CHUNK


def file_response(file: Path, content_type: str, headers: Mapping[str, str]) -> Response:
    """Called in a media thread: a small file is read whole here, a large one streamed with ranges."""
    stat = file.stat()
    if stat.st_size > WHOLE_FILE_MAX:
        return LargeFileResponse(file, media_type=content_type, headers=dict(headers), stat_result=stat)
    # The same validators FileResponse sends: Last-Modified and an ETag of mtime and size.
    etag = hashlib.md5(f"{stat.st_mtime}-{stat.st_size}".encode(), usedforsecurity=False).hexdigest()
    validators = {"Last-Modified": formatdate(stat.st_mtime, usegmt=True), "ETag": f'"{etag}"'}
    return Response(file.read_bytes(), media_type=content_type, headers={**validators, **headers})
