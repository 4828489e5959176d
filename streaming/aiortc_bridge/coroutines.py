"""Running aiortc's RTP/RTCP handlers synchronously from a datagram callback.

The inbound fast path calls aiortc's coroutine handlers from the socket's protocol, on the event
loop, without a task per packet: they only await sends that complete at once on a UDP pair.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

_INLINE_TASKS: set[asyncio.Future[None]] = set()


def run_now(coro: Coroutine[Any, None, None]) -> None:
    """Run ``coro`` right now, without a task, when it never has to wait (aiortc's RTP/RTCP
    handlers only await sends that complete at once on a UDP pair); if it does wait (a TURN
    channel being bound), a task finishes it."""
    try:
        waiting = coro.send(None)
    except StopIteration:
        return
    task = asyncio.ensure_future(_finish(coro, waiting))
    _INLINE_TASKS.add(task)
    task.add_done_callback(_INLINE_TASKS.discard)


async def _finish(coro: Coroutine[Any, None, None], waiting: Any) -> None:
    """What a Task does for ``coro``: resume it each time the future it yielded is done (it reads
    the outcome itself when resumed)."""
    try:
        while True:
            if waiting is None:  # a bare yield (asyncio.sleep(0))
                await asyncio.sleep(0)
            else:
                await asyncio.wait((waiting,))
            try:
                waiting = coro.send(None)
            except StopIteration:
                return
    except asyncio.CancelledError:
        coro.close()
        raise
