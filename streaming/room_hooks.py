"""The relay's rooms wired to the lesson store: a lesson goes live, ends, and is recovered after a kill.

:class:`RoomHooks` builds the :class:`~streaming.rooms.RoomRegistry` with its hooks: the
database hears when a room goes live and when it ends (its recordings registered, or the lesson
released), and on start the recordings a killed relay left unfinished are closed and handed on. The
lesson's states themselves are models/lifecycle.py's; streaming/lesson_store.py makes the moves.
"""

from __future__ import annotations

import asyncio
import logging

from streaming import lesson_store, recording, recovery
from streaming.recording import RecordingSummary
from streaming.rooms import RoomRegistry
from tingke.settings import Settings

log = logging.getLogger(__name__)


class RoomHooks:
    """The registry of this relay process and what happens to a lesson as its room lives and ends."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.registry = RoomRegistry(settings, on_live=self.on_live, on_ended=self.on_ended)

    async def on_live(self, room_id: str) -> None:
        try:
            await asyncio.to_thread(lesson_store.mark_live, room_id)
        except Exception:  # the database being down must not stop the lesson
            log.exception("room %s: could not mark the lesson live", room_id)

    async def on_ended(self, room_id: str, summaries: list[RecordingSummary]) -> None:
        registry = self.registry
        # recordings recovered after a restart are this lesson's earlier parts (streaming/recovery.py)
        summaries = registry.recovered.pop(room_id, []) + summaries
        try:
            if not summaries:
                await asyncio.to_thread(lesson_store.release_unrecorded, room_id)
                return
            ids = await asyncio.to_thread(lesson_store.register_recordings, room_id, summaries)
            await asyncio.to_thread(recovery.mark_registered, summaries)
        except Exception:  # the files stay on disk, with their manifest, for a later import
            log.exception("room %s: could not register its recordings", room_id)
            return
        registry.registered[room_id] = ids

    def is_live(self, room_id: str) -> bool:
        room = self.registry.get(room_id)
        return room is not None and room.live

    def adopt(self, room_id: str, summaries: list[RecordingSummary]) -> None:
        self.registry.recovered.setdefault(room_id, []).extend(summaries)

    async def recover(self) -> None:
        """Close what a killed relay left unfinished, then give its publishers the grace period."""
        settings = self.settings
        try:
            closed = await asyncio.to_thread(recovery.close_all, settings.media_root, recording.BOOT)
        except Exception:
            log.exception("could not look for recordings left unfinished")
            return
        recovery.schedule(asyncio.get_running_loop(), closed, settings.live_grace_seconds, self.is_live, self.adopt,
                          self.on_ended, self.registry.background, settings.media_root)
