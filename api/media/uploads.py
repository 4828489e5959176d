"""Resumable recording uploads, tus-like (https://tus.io core protocol, simplified).

1. ``POST /api/lessons/{id}/recording`` with JSON ``{"size": N, "filename": "..."}`` creates an
   upload and returns its URL and ``offset: 0``.
2. ``PATCH /api/uploads/{uid}`` with header ``Upload-Offset: <offset>`` and a chunk as the raw
   body (at most ``upload_chunk_max_bytes``) appends it. Bytes that arrived before a dropped
   connection are kept, so the next ``HEAD``/``GET`` tells the client where to resume.
3. The chunk that completes the file triggers validation (ffprobe + a short decode); a good
   file becomes the lesson's newest upload asset and a processing job is queued. A bad one is
   deleted with a clear 4xx, and nothing else of the lesson is touched.

State lives on disk under ``media_root/uploads/<uid>/`` (``meta.json`` + ``data``), so any API
process can take the next chunk. A lock file serialises chunks of one upload.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import anyio
from starlette.concurrency import run_in_threadpool

from api.errors import APIError
from tingke.settings import get_settings

UID_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
STALE_SECONDS = 7 * 24 * 3600


@dataclass
class UploadMeta:
    uid: str
    lesson_id: int
    user_id: int
    size: int
    filename: str
    created: float


def uploads_root() -> Path:
    return get_settings().media_root / "uploads"


def folder_of(uid: str) -> Path:
    if not uid or len(uid) > 64 or not set(uid) <= UID_CHARS:
        raise APIError(404, "not_found", "The upload does not exist.")
    return uploads_root() / uid


def check_size(size: int) -> None:
    settings = get_settings()
    if size <= 0:
        raise APIError(422, "empty_file", "The file is empty (0 bytes). 文件是空的。")
    if size > settings.upload_max_bytes:
        raise APIError(413, "too_large", f"The file is larger than the limit of {settings.upload_max_bytes} bytes. "
                                         "文件超过大小上限。")


def create(lesson_id: int, user_id: int, size: int, filename: str) -> UploadMeta:
    check_size(size)
    _remove_stale()
    meta = UploadMeta(secrets.token_urlsafe(18), lesson_id, user_id, size, filename[:200], time.time())
    folder = uploads_root() / meta.uid
    folder.mkdir(parents=True)
    (folder / "data").touch()
    (folder / "meta.json").write_text(json.dumps(asdict(meta)))
    return meta


def load(uid: str, user_id: int) -> UploadMeta:
    folder = folder_of(uid)
    try:
        meta = UploadMeta(**json.loads((folder / "meta.json").read_text()))
    except (FileNotFoundError, ValueError, TypeError) as exc:
        raise APIError(404, "not_found", "The upload does not exist or has expired.") from exc
    if meta.user_id != user_id:
        raise APIError(404, "not_found", "The upload does not exist or has expired.")
    return meta


def offset(meta: UploadMeta) -> int:
    return (uploads_root() / meta.uid / "data").stat().st_size


def data_path(meta: UploadMeta) -> Path:
    return uploads_root() / meta.uid / "data"


def discard(uid: str) -> None:
    shutil.rmtree(uploads_root() / uid, ignore_errors=True)


@contextmanager
def locked(meta: UploadMeta) -> Iterator[None]:
    with open(uploads_root() / meta.uid / "lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise APIError(409, "upload_busy", "Another chunk of this upload is being received; retry.") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


BATCH_BYTES = 1024 * 1024  # pieces of the body gathered before one write in a worker thread


class _ChunkWriter:
    """The blocking half of :func:`append` (lock, writes, fsync), run in worker threads."""

    def __init__(self, meta: UploadMeta, at: int, limit: int) -> None:
        self.meta, self.at, self.limit = meta, at, limit
        self._lock = locked(meta)
        self._lock.__enter__()
        try:
            self.start = offset(meta)
            if at != self.start:
                raise APIError(409, "offset_mismatch", f"The upload is at offset {self.start}, not {at}.",
                               headers={"Upload-Offset": str(self.start)})
            self._out = open(data_path(meta), "ab")  # noqa: SIM115 (closed in close())
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        self.received = 0

    def check(self, more: int) -> None:
        """Refuse before writing: the chunk's own limit and the size announced for the upload."""
        if self.received + more > self.limit:
            raise APIError(413, "chunk_too_large", f"A chunk may hold at most {self.limit} bytes.")
        if self.start + self.received + more > self.meta.size:
            raise APIError(413, "too_large", "The chunk goes past the size announced for the upload.")

    def write(self, data: bytes) -> None:
        self._out.write(data)
        self.received += len(data)

    def close(self, *, refused: bool) -> int:
        try:
            if refused:
                self._out.truncate(self.start)  # a refused chunk leaves no trace
            self._out.flush()
            os.fsync(self._out.fileno())
            self._out.close()
            return offset(self.meta)
        finally:
            self._lock.__exit__(None, None, None)


async def append(meta: UploadMeta, at: int, body: AsyncIterator[bytes], *, chunk_limit: int | None = None) -> int:
    """Append a chunk that starts at ``at``; returns the new offset. Bytes received before a
    disconnect stay written (the client resumes from the offset). Only the body is read on the
    event loop; the lock, the writes and the fsync run in worker threads, 1 MiB at a time."""
    limit = chunk_limit or get_settings().upload_chunk_max_bytes
    writer = await run_in_threadpool(_ChunkWriter, meta, at, limit)
    refused = False
    pending: list[bytes] = []
    size = 0
    try:
        async for piece in body:
            writer.check(size + len(piece))
            pending.append(piece)
            size += len(piece)
            if size >= BATCH_BYTES:
                batch, pending, size = b"".join(pending), [], 0
                await run_in_threadpool(writer.write, batch)
        if pending:
            await run_in_threadpool(writer.write, b"".join(pending))
    except APIError:
        refused = True
        raise
    except BaseException:
        if pending:  # a dropped connection: keep what arrived
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(writer.write, b"".join(pending))
        raise
    finally:
        with anyio.CancelScope(shield=True):  # the lock and the file are released even on cancellation
            new_offset = await run_in_threadpool(functools.partial(writer.close, refused=refused))
    return new_offset


def _remove_stale() -> None:
    root = uploads_root()
    if not root.is_dir():
        return
    cutoff = time.time() - STALE_SECONDS
    for child in root.iterdir():
        try:
            if child.stat().st_mtime < cutoff:
                shutil.rmtree(child, ignore_errors=True)
        except FileNotFoundError:
            continue
