"""Rooms of the relay: who publishes under which label, the hubs they feed, their recordings,
and when a lesson ends.

A room is named by its lesson id. Its mode is fixed by the first token that opens it:

- ``broadcast``: one publisher (label "main" unless the token names one), any number of viewers.
  A second publisher gets 409; the SAME user publishing again replaces the old session
  (a phone that reconnects before its old connection timed out).
- ``dual``: up to four classrooms (master + 1-3 remote), each publishing under its own label and
  receiving the others through a WHEP session of its own (see ``streaming/README.md``).

A publishing token says whether it is the lesson's master (the broadcaster, a dual lesson's
主讲端); extensions such as the live HLS use it to show the master rather than whoever came first.

Publishers persist by label across reconnects: their hubs keep subscribers and continue the
timeline, their recording continues with the gap noted. When no publisher has been connected
for ``live_grace_seconds`` (or on an explicit end) the room ends: hubs close, recordings are
finished and registered in the database, and a processing job is queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCPeerConnection, RTCRtpSender

from streaming.aiortc_bridge.codecs import codec_key
from streaming.aiortc_bridge.counters import sender_octet_count, sender_packet_count
from streaming.auth import LiveClaims
from streaming.errors import RelayError
from streaming.hub import TrackHub
from streaming.recording import LiveRecording, RecordingSummary

log = logging.getLogger(__name__)

MAX_DUAL_CLASSROOMS = 4
ENDED_ROOMS_KEPT = 1000  # ended rooms whose end the status route still reports (newest kept)

# Why a room ended (``GET /rooms/{room}`` says it, so the pages still open can tell their users)
END_BY_PUBLISHER = "ended_by_publisher"  # POST /rooms/{room}/end: the broadcaster or the master classroom
END_GRACE_OVER = "grace_period_over"  # every publisher gone for live_grace_seconds
END_SHUTDOWN = "relay_shutdown"

# How a publisher's connection ended (until it comes back): its own DELETE, or a connection lost
LEFT = "left"
LOST = "lost"


@dataclass
class Session:
    """One WHIP or WHEP peer connection."""

    id: str
    kind: str  # "whip" | "whep"
    room: Room
    claims: LiveClaims
    pc: RTCPeerConnection
    label: str = ""  # the publisher label (WHIP) or the viewer's own label (classroom WHEP)
    senders: list[RTCRtpSender] = field(default_factory=list)
    tracks: list[dict[str, str]] = field(default_factory=list)  # WHEP: mid -> label/kind
    closed: bool = False
    offer: str = ""  # the client's current offer (an ICE restart re-answers it with new credentials)
    etag: str = field(default_factory=lambda: f'"{secrets.token_urlsafe(12)}"')  # this ICE session (RFC 9725)
    restarts: int = 0

    def new_etag(self) -> str:
        self.etag = f'"{secrets.token_urlsafe(12)}"'
        return self.etag

    def bind(self, senders: list[RTCRtpSender], tracks: list[dict[str, str]]) -> None:
        """What a WHEP session sends: its senders, and which publisher each mid carries."""
        self.senders = senders
        self.tracks = tracks

    def restarted(self, pc: RTCPeerConnection, offer: str) -> None:
        """An ICE restart answered: the session runs on ``pc`` now, for the client's new ``offer``."""
        self.pc = pc
        self.offer = offer
        self.restarts += 1


@dataclass
class Publisher:
    """A publishing label in a room; survives reconnects of its peer connection."""

    label: str
    user: str
    name: str
    position: int
    master: bool = False  # the lesson's master (from the token): what the crowd's live HLS shows
    hubs: dict[str, TrackHub] = field(default_factory=dict)
    session: Session | None = None
    recording: LiveRecording | None = None
    gone: str | None = None  # LEFT or LOST while not connected, None while live


    @property
    def live(self) -> bool:
        return self.session is not None and not self.session.closed


class Room:
    def __init__(self, registry: RoomRegistry, room_id: str, mode: str) -> None:
        self.registry = registry
        self.id = room_id
        self.mode = mode
        self.publishers: dict[str, Publisher] = {}
        self.sessions: dict[str, Session] = {}
        self.revision = 0  # bumps whenever the set of published tracks changes
        self.lock = asyncio.Lock()  # serialises admissions and negotiations
        self.went_live = False
        self.ended = False
        self.end_reason = ""
        self._end_timer: asyncio.TimerHandle | None = None
        self.summaries: list[RecordingSummary] = []
        # Extensions (streaming.live_hls): called when a publisher's tracks attach, when its connection
        # ends (it may come back within the grace period) and when the room ends.
        self.publisher_hooks: list[Callable[[Publisher], None]] = []
        self.leave_hooks: list[Callable[[Publisher], None]] = []
        self.end_hooks: list[Callable[[], Awaitable[Any]]] = []
        self.live_hls: Any = None
        self.live_since: float | None = None  # monotonic time of lesson clock 0 (the first publisher arrived,
        # less clock_offset: the seconds recorded by the lesson's earlier parts when it was resumed)
        self.clock_offset = 0.0

    @property
    def live(self) -> bool:
        """The lesson went live in this room and has not ended."""
        return self.went_live and not self.ended

    # ---- admission --------------------------------------------------------------------------

    def publisher_label(self, claims: LiveClaims) -> str:
        if claims.label:
            return claims.label
        return "main" if self.mode == "broadcast" else f"classroom-{claims.sub or '0'}"

    def admit_publisher(self, claims: LiveClaims) -> Publisher:
        """The Publisher entry for this token, or 409 when the room cannot take it."""
        label = self.publisher_label(claims)
        existing = self.publishers.get(label)
        if self.mode == "broadcast" and any(
            p.live and (p is not existing or p.user != claims.sub) for p in self.publishers.values()
        ):
            raise RelayError(409, "room_busy", "someone else is already broadcasting this lesson")
        if existing is not None and existing.live and existing.user != claims.sub:
            raise RelayError(409, "label_taken", f"classroom {label!r} is already publishing from another user")
        if self.mode == "dual" and existing is None and len(self.publishers) >= MAX_DUAL_CLASSROOMS:
            raise RelayError(409, "room_full", f"a dual lesson takes at most {MAX_DUAL_CLASSROOMS} classrooms")
        if existing is None:
            existing = Publisher(label, claims.sub, claims.name or label, position=len(self.publishers))
            self.publishers[label] = existing
        existing.master = claims.master
        return existing

    def continue_clock(self, earlier_seconds: float | None) -> None:
        """A resumed lesson (its earlier parts recorded ``earlier_seconds``): its clock continues after
        them, if the room has not gone live yet."""
        if earlier_seconds is not None and not self.went_live:
            self.clock_offset = earlier_seconds

    def abandon(self, publisher: Publisher) -> None:
        """Forget a publisher whose negotiation was refused before it published anything, and the room
        if that leaves it empty."""
        if not publisher.hubs:
            self.publishers.pop(publisher.label, None)
        if not self.publishers and not self.sessions:
            self.registry.forget(self)

    def sources_for(self, viewer_label: str) -> list[tuple[Publisher, TrackHub]]:
        """Hubs a WHEP session can receive, in publisher join order (video before audio per
        publisher), without the viewer's own classroom."""
        result = []
        for publisher in sorted(self.publishers.values(), key=lambda p: p.position):
            if publisher.label == viewer_label and viewer_label:
                continue
            for kind in ("video", "audio"):
                hub = publisher.hubs.get(kind)
                if hub is not None and not hub.closed:
                    result.append((publisher, hub))
        return result

    # ---- publisher lifecycle ----------------------------------------------------------------

    def publisher_started(self, publisher: Publisher, session: Session, tracks: dict[str, Any]) -> None:
        """Attach the publisher's new tracks (kind -> (track, receiver, codec)) to its hubs."""
        settings = self.registry.settings
        changed = False
        for kind, (track, receiver, codec) in tracks.items():
            hub = publisher.hubs.get(kind)
            if hub is not None and codec_key(hub.codec) != codec_key(codec):
                hub.close()  # codec changed: subscribers of the old one must re-subscribe
                hub = None
            if hub is None:
                hub = TrackHub(publisher.label, kind, codec)
                publisher.hubs[kind] = hub
                changed = True
            hub.attach(track, receiver)
        publisher.session = session
        if changed:
            self.revision += 1
        if self._end_timer is not None:
            self._end_timer.cancel()
            self._end_timer = None
        if settings.live_record and publisher.recording is None:
            publisher.recording = LiveRecording(
                self.id, publisher.label, settings.media_root, settings.live_segment_seconds
            )
            publisher.recording.start(publisher.hubs)
        publisher.gone = None
        for hook in list(self.publisher_hooks):
            hook(publisher)
        if not self.went_live:
            self.went_live = True
            self.live_since = time.monotonic() - self.clock_offset
            self.registry.background(self.registry.on_live(self.id))

    def publisher_left(self, publisher: Publisher, how: str = LOST) -> None:
        publisher.session = None
        publisher.gone = how
        for hook in list(self.leave_hooks):
            hook(publisher)
        if not any(p.live for p in self.publishers.values()) and not self.ended:
            grace = self.registry.settings.live_grace_seconds
            self._end_timer = asyncio.get_running_loop().call_later(
                grace, lambda: self.registry.background(self.end(END_GRACE_OVER))
            )

    # ---- sessions ---------------------------------------------------------------------------

    def publisher_restarted(self, publisher: Publisher, session: Session, pc: RTCPeerConnection,
                            tracks: dict[str, Any], offer: str) -> None:
        """A publisher's ICE restart answered by ``pc``: its new tracks attach to the same hubs."""
        session.restarted(pc, offer)
        self.publisher_started(publisher, session, tracks)

    def viewer_restarted(self, session: Session, pc: RTCPeerConnection, senders: list[RTCRtpSender],
                         tracks: list[dict[str, str]], offer: str) -> None:
        """A viewer's ICE restart answered by ``pc``: the old senders' counters are kept, the new ones bound."""
        self.registry.account_closed_senders(session.senders)
        session.restarted(pc, offer)
        session.bind(senders, tracks)

    def new_session(self, kind: str, claims: LiveClaims, pc: RTCPeerConnection, label: str,
                    offer: str = "") -> Session:
        session = Session(secrets.token_urlsafe(16), kind, self, claims, pc, label, offer=offer)
        self.sessions[session.id] = session
        return session

    async def close_session(self, session: Session, how: str = LOST) -> None:
        """Close a WHIP/WHEP session; ``how`` says why a publisher is gone (LEFT: it said so)."""
        if session.closed:
            return
        session.closed = True
        self.sessions.pop(session.id, None)
        self.registry.account_closed_senders(session.senders)
        if session.kind == "whip":
            publisher = self.publishers.get(session.label)
            if publisher is not None and publisher.session is session:
                self.publisher_left(publisher, how)
        await session.pc.close()

    # ---- end --------------------------------------------------------------------------------

    async def end(self, reason: str) -> list[RecordingSummary]:
        """End the lesson (``reason``: END_BY_PUBLISHER, END_GRACE_OVER or END_SHUTDOWN): close
        everything, finish and register the recordings."""
        if self.ended:
            return self.summaries
        self.ended = True
        self.end_reason = reason
        log.info("room %s ends: %s", self.id, reason)
        if self._end_timer is not None:
            self._end_timer.cancel()
        for session in list(self.sessions.values()):
            await self.close_session(session)
        for publisher in self.publishers.values():
            for hub in publisher.hubs.values():
                hub.close()
        for end_hook in list(self.end_hooks):
            try:
                await end_hook()
            except Exception:  # an extension failing must not keep the recordings unregistered
                log.exception("room %s: an end hook failed", self.id)
        summaries = []
        for publisher in self.publishers.values():
            if publisher.recording is not None:
                summary = await publisher.recording.finish()
                if summary is not None:
                    summaries.append(summary)
        self.summaries = summaries
        # Registered before the room is forgotten: until then a publisher is told the lesson is ending,
        # afterwards the database says it has finished; never a new room while it still says live.
        try:
            await self.registry.on_ended(self.id, summaries)
        finally:
            self.registry.forget(self)
        return summaries

    def describe(self) -> dict[str, Any]:
        return {
            "room": self.id,
            "mode": self.mode,
            "revision": self.revision,
            "publishers": [
                {"label": p.label, "name": p.name, "live": p.live, "gone": None if p.live else p.gone,
                 "master": p.master, "kinds": sorted(p.hubs)}
                for p in sorted(self.publishers.values(), key=lambda p: p.position)
            ],
            "viewers": sum(1 for s in self.sessions.values() if s.kind == "whep"),
            "live_seconds": round(time.monotonic() - self.live_since, 2) if self.live_since else None,
            "hls": dict(self.live_hls.stats.__dict__) if self.live_hls is not None else None,
        }


LifecycleHook = Callable[[str], Awaitable[Any]]
EndHook = Callable[[str, list[RecordingSummary]], Awaitable[Any]]


class RoomRegistry:
    """All rooms of this relay process, plus the counters of sessions already closed.

    ``on_live(room)`` and ``on_ended(room, summaries)`` are the lifecycle hooks (the server
    wires them to the lesson store); ``room_opened`` lets an HLS feeder attach to new rooms.
    """

    def __init__(self, settings: Any, on_live: LifecycleHook | None = None,
                 on_ended: EndHook | None = None) -> None:
        self.settings = settings
        self.rooms: dict[str, Room] = {}
        self.on_live: LifecycleHook = on_live or _noop_live
        self.on_ended: EndHook = on_ended or _noop_ended
        self.room_opened: list[Callable[[Room], None]] = []
        self.registered: dict[str, list[int]] = {}  # room -> MediaAsset ids of its ended recordings
        self.recovered: dict[str, list[RecordingSummary]] = {}  # room -> recordings a killed relay left
        self.ended: dict[str, str] = {}  # room -> why it ended, for the pages still watching it
        self.closed_packets_out = 0
        self.closed_octets_out = 0
        self.started = time.time()
        self._background: set[asyncio.Task[Any]] = set()

    def open(self, room_id: str, mode: str) -> Room:
        room = self.rooms.get(room_id)
        if room is None:
            self.ended.pop(room_id, None)
            room = Room(self, room_id, mode)
            self.rooms[room_id] = room
            for callback in list(self.room_opened):
                callback(room)
        elif room.mode != mode:
            raise RelayError(409, "mode_mismatch", f"this lesson is live as a {room.mode} room, not {mode}")
        return room

    def get(self, room_id: str) -> Room | None:
        return self.rooms.get(room_id)

    def forget(self, room: Room) -> None:
        if self.rooms.get(room.id) is room:
            del self.rooms[room.id]
            if room.ended:
                self.ended[room.id] = room.end_reason
                while len(self.ended) > ENDED_ROOMS_KEPT:
                    del self.ended[next(iter(self.ended))]

    def background(self, coro: Awaitable[Any]) -> None:
        """Run a lifecycle coroutine without blocking the caller; errors are logged."""
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("relay background task failed", exc_info=task.exception())

    def account_closed_senders(self, senders: list[RTCRtpSender]) -> None:
        for sender in senders:
            self.closed_packets_out += sender_packet_count(sender)
            self.closed_octets_out += sender_octet_count(sender)

    async def shutdown(self) -> None:
        for room in list(self.rooms.values()):
            await room.end(END_SHUTDOWN)
        for task in list(self._background):
            with contextlib.suppress(Exception):
                await task


async def _noop_live(room_id: str) -> None:
    return None


async def _noop_ended(room_id: str, summaries: list[RecordingSummary]) -> None:
    return None
