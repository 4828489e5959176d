"""Who is watching a live lesson through the live HLS, for the broadcaster's "观看 N 人".

The relay counts its WebRTC viewers itself (``GET /rooms/{room}``); the crowd on the live HLS only
fetches playlists from the API, so the API remembers, per lesson, each viewer's last playlist fetch.
A viewer counts while they fetched one within ``WATCHING_SECONDS`` (hls.js reloads a live playlist
every segment, 2-4 s). Kept in this process's memory: the embedded default runs one API process; with
several API replicas each counts the viewers it served (the figure is then a lower bound).
"""

from __future__ import annotations

import threading
import time

WATCHING_SECONDS = 20.0
MAX_VIEWERS_PER_LESSON = 10_000  # a bound on memory whatever the callers send

_seen: dict[int, dict[str, float]] = {}
_lock = threading.Lock()


def saw(lesson_id: int, viewer: str, now: float | None = None) -> None:
    """Note that ``viewer`` (a user id, or the client address of an unbound link) fetched a playlist."""
    moment = time.monotonic() if now is None else now
    with _lock:
        viewers = _seen.setdefault(lesson_id, {})
        if viewer not in viewers and len(viewers) >= MAX_VIEWERS_PER_LESSON:
            _forget_old(viewers, moment)
            if len(viewers) >= MAX_VIEWERS_PER_LESSON:
                return
        viewers[viewer] = moment


def watching(lesson_id: int, now: float | None = None) -> int:
    """How many viewers fetched a live playlist of the lesson within the last ``WATCHING_SECONDS``."""
    moment = time.monotonic() if now is None else now
    with _lock:
        viewers = _seen.get(lesson_id)
        if not viewers:
            return 0
        _forget_old(viewers, moment)
        if not viewers:
            del _seen[lesson_id]
        return len(viewers)


def _forget_old(viewers: dict[str, float], now: float) -> None:
    for key in [k for k, at in viewers.items() if now - at > WATCHING_SECONDS]:
        del viewers[key]
