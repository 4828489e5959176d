"""Live results fan-out: one watcher per open stream target (poll) per API process.

Each watcher reads ``Poll.version`` from the database every ``POLL_INTERVAL`` seconds and, when it moved,
computes the results once and hands them to every subscriber of this process. So the database sees two
small reads a second per watched poll and process, however many phones listen, and any number of API
processes stay consistent with no broker in between. Database reads run in worker threads behind a small
limiter of their own, so that a slow database cannot take the threads that requests need.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
from sqlalchemy.orm import Session, sessionmaker

from api.polls import service
from models import Poll

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.5  # seconds between two version reads of one watcher
READ_THREADS = 4  # concurrent database reads of all watchers of one process

# What a subscriber receives: (version, results JSON), or None once the poll is gone.
Update = tuple[int, str] | None


def read_results(maker: sessionmaker[Session], poll_id: int, known: int | None) -> tuple[int | None, str | None]:
    """(version, results JSON if the version moved past ``known``) from a short session of its own."""
    with maker() as session:
        version = service.current_version(session, poll_id)
        if version is None or version == known:
            return version, None
        poll = session.get(Poll, poll_id)
        if poll is None:
            return None, None
        results = service.results(session, poll)
        return results.version, results.model_dump_json()


@dataclass
class _Watcher:
    poll_id: int
    subscribers: set[asyncio.Queue[Update]] = field(default_factory=set)
    latest: tuple[int, str] | None = None
    task: asyncio.Task[None] | None = None


def _offer(queue: asyncio.Queue[Update], update: Update) -> None:
    """Keep only the newest update for a slow subscriber: results are a snapshot, not a log."""
    while True:
        try:
            queue.put_nowait(update)
            return
        except asyncio.QueueFull:
            queue.get_nowait()


class PollHub:
    def __init__(self, maker: sessionmaker[Session]) -> None:
        self._maker = maker
        self._watchers: dict[int, _Watcher] = {}
        self._limiter = anyio.CapacityLimiter(READ_THREADS)

    @asynccontextmanager
    async def subscribe(self, poll_id: int) -> AsyncIterator[asyncio.Queue[Update]]:
        queue: asyncio.Queue[Update] = asyncio.Queue(maxsize=1)
        watcher = self._watchers.get(poll_id)
        if watcher is None:
            watcher = self._watchers[poll_id] = _Watcher(poll_id)
            watcher.task = asyncio.create_task(self._watch(watcher), name=f"poll-watcher-{poll_id}")
        elif watcher.latest is not None:
            _offer(queue, watcher.latest)
        watcher.subscribers.add(queue)
        try:
            yield queue
        finally:
            watcher.subscribers.discard(queue)
            if not watcher.subscribers and self._watchers.get(poll_id) is watcher:
                del self._watchers[poll_id]
                if watcher.task is not None:
                    watcher.task.cancel()

    def watched(self) -> int:
        return len(self._watchers)

    async def _watch(self, watcher: _Watcher) -> None:
        known: int | None = None
        while True:
            try:
                version, payload = await anyio.to_thread.run_sync(
                    read_results, self._maker, watcher.poll_id, known, limiter=self._limiter)
            except Exception:  # the database is away for a moment: keep the streams, try again
                log.warning("poll %s: reading the results failed", watcher.poll_id, exc_info=True)
                await asyncio.sleep(POLL_INTERVAL * 4)
                continue
            if version is None:
                for queue in list(watcher.subscribers):
                    _offer(queue, None)
                return
            if payload is not None:
                known = version
                watcher.latest = (version, payload)
                for queue in list(watcher.subscribers):
                    _offer(queue, watcher.latest)
            await asyncio.sleep(POLL_INTERVAL)
