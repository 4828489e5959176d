"""Fan-out of one published track (encoded frames) to subscribers and frame listeners.

One :class:`TrackHub` exists per (publisher label, kind) in a room. It outlives the publisher's
peer connection: when a phone drops and reconnects, the new track is attached to the same hub,
its timestamps are shifted to continue the hub's timeline (gap included), and subscribers stay
subscribed; they only wait for the next keyframe, which the hub asks the publisher for.

Every consumer reads through an :class:`Outlet`: a bounded queue of its own. A consumer that
falls behind overflows only its own queue, which is then emptied and waits for a keyframe, so
a slow subscriber never stalls the others and never grows memory.

Subscribers (WebRTC peers) skip the queue and frames altogether: their outlet holds a
:class:`~streaming.aiortc_bridge.outbound.DirectRtpWriter`, and the hub writes each packet the publisher
sends straight to their sockets as it arrives (as an SFU such as Janus does; see
:func:`~streaming.aiortc_bridge.inbound.set_packet_sink`), starting each subscriber at the first packet
of a keyframe. There the bound is the socket transport's buffer: a subscriber whose buffer is
backed up loses packets and resumes at a keyframe, like an overflowing queue. Frames are
reassembled only while a frame consumer (recorder, live HLS) listens.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import av
from aiortc import MediaStreamTrack, RTCRtpReceiver, RTCRtpSender
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from streaming.aiortc_bridge import outbound
from streaming.aiortc_bridge.inbound import set_frame_sink, set_packet_sink, want_frames
from streaming.aiortc_bridge.keyframes import send_pli
from streaming.bitstream import rtp_starts_keyframe
from streaming.metrics import KEYFRAME_WAIT

log = logging.getLogger(__name__)

# Keyframe requests to one publisher track: while a request is unanswered, others join it (and
# it is repeated after PLI_RETRY_INTERVAL); once its keyframe came, the next may follow after
# PLI_MIN_INTERVAL, so a join storm costs at most a few keyframes a second, and a late joiner
# waits at most that long for its own.
PLI_RETRY_INTERVAL = 0.5
PLI_MIN_INTERVAL = 0.2
QUEUE_FRAMES = {"video": 90, "audio": 150}  # ~3 s at 30 fps / 20 ms audio frames


@dataclass
class HubStats:
    frames_in: int = 0
    keyframes_in: int = 0
    plis_sent: int = 0
    keyframe_requests: int = 0
    gated_drops: int = 0
    overflow_resets: int = 0
    sources: int = 0
    last_keyframe_wait_ms: float = 0.0  # a new consumer's wait for its first keyframe (relay side)
    max_keyframe_wait_ms: float = 0.0


class Outlet:
    """One consumer's bounded queue, with keyframe gating for video.

    A ``packetized`` outlet (a subscriber's sender) gets the publisher's RTP packets through its
    :class:`~streaming.aiortc_bridge.outbound.DirectRtpWriter` (:meth:`offer_packet`) instead of frames;
    it (re)starts at a keyframe for video and at any packet for audio, so it always waits first.
    """

    def __init__(self, hub: TrackHub, maxsize: int, packetized: bool = False) -> None:
        self.hub = hub
        self.packetized = packetized
        self.writer: outbound.DirectRtpWriter | None = None
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize)
        self.waiting_keyframe = hub.kind == "video" or packetized
        self.closed = False
        self.delivered = 0
        self.created = time.monotonic()
        self.first_delivery: float | None = None

    def offer(self, packet: av.Packet) -> None:
        """Queue ``packet`` (one frame) unless gated or overflowing."""
        if self.closed:
            return
        if self.waiting_keyframe:
            if not packet.is_keyframe:
                self.hub.stats.gated_drops += 1
                self.hub.request_keyframe()
                return
            self.waiting_keyframe = False
        if self.queue.full():
            # This consumer fell ~3 s behind: drop its backlog, resync on the next keyframe.
            self.hub.stats.overflow_resets += 1
            self._drain()
            if self.hub.kind == "video":
                self.waiting_keyframe = True
                self.hub.request_keyframe()
                return
        self.queue.put_nowait(packet)
        self._delivered()

    def offer_packet(self, sequence: int, timestamp: int, marker: bool, payload: bytes, padded: bool,
                     frame_start: bool, keyframe: bool) -> None:
        """Write one publisher packet to this subscriber (``timestamp`` on the hub's timeline)."""
        writer = self.writer
        if self.closed or writer is None or not writer.ready:
            return  # not connected yet: gating starts when it is
        if self.waiting_keyframe:
            if not keyframe:
                if frame_start:
                    self.hub.stats.gated_drops += 1
                    self.hub.request_keyframe()
                return
            self.waiting_keyframe = False
            writer.start_at(sequence)
        try:
            sent = writer.write(sequence, timestamp, marker, payload, padded)
        except Exception:  # one broken subscriber must not stop the hub's delivery to the rest
            log.exception("subscriber of %s/%s failed; dropping it", self.hub.label, self.hub.kind)
            self.close()
            return
        if sent:
            if frame_start:
                self._delivered()
        else:
            self.hub.stats.overflow_resets += frame_start
            self.waiting_keyframe = True  # packets were lost: resume at a keyframe (audio: at once)

    def _delivered(self) -> None:
        self.delivered += 1
        if self.first_delivery is None:
            self.first_delivery = time.monotonic()
            wait_ms = round(1000 * (self.first_delivery - self.created), 1)
            self.hub.stats.last_keyframe_wait_ms = wait_ms
            self.hub.stats.max_keyframe_wait_ms = max(self.hub.stats.max_keyframe_wait_ms, wait_ms)
            if self.hub.kind == "video":  # audio needs no keyframe: its first packet is no wait
                KEYFRAME_WAIT.observe(wait_ms / 1000)

    async def get(self) -> Any:
        """The next packet, or None once the hub closed or this outlet was closed."""
        if self.closed and self.queue.empty():
            return None
        return await self.queue.get()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.hub.remove_outlet(self)
        self._drain()
        self.queue.put_nowait(None)

    def _drain(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()


class ForwardedTrack(MediaStreamTrack):
    """The track a subscriber's RTCRtpSender reads: encoded ``av.Packet`` objects, which aiortc's
    sender packs without encoding, or (``packetized``) nothing at all: the hub writes the
    publisher's packets to the sender's connection (:meth:`send_directly`)."""

    def __init__(self, hub: TrackHub, packetized: bool = False) -> None:
        super().__init__()
        self.kind = hub.kind
        self.hub = hub
        self.outlet = hub.add_outlet(QUEUE_FRAMES[hub.kind], packetized=packetized)

    def send_directly(self, sender: RTCRtpSender) -> None:
        """Let ``sender`` be written to by the hub (see :class:`~streaming.aiortc_bridge.outbound.DirectRtpWriter`);
        a keyframe is asked for as soon as its connection is up."""
        self.outlet.writer = outbound.send_directly(sender, on_ready=self.hub.request_keyframe)

    async def recv(self) -> Any:
        if self.readyState != "live":
            raise MediaStreamError
        packet = await self.outlet.get()
        if packet is None:
            self.stop()
            raise MediaStreamError
        return packet

    def stop(self) -> None:
        super().stop()
        self.outlet.close()


class FrameListener:
    """Encoded frames of a hub for an in-process consumer (recorder, HLS feeder).

    ``async for packet in listener`` yields ``av.Packet`` (pts in ``1/clock_rate`` on the hub's
    continuous timeline, ``is_keyframe`` set) until the hub closes or ``close()`` is called.
    The first video packet is always a keyframe.
    """

    def __init__(self, hub: TrackHub, maxsize: int) -> None:
        self.hub = hub
        self.outlet = hub.add_outlet(maxsize)

    def __aiter__(self) -> AsyncIterator[av.Packet]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[av.Packet]:
        while True:
            packet = await self.outlet.get()
            if packet is None:
                return
            yield packet

    def close(self) -> None:
        self.outlet.close()


@dataclass
class _Source:
    track: MediaStreamTrack
    receiver: RTCRtpReceiver
    offset: int | None = None  # added to the source's pts to continue the hub's timeline
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    # packets (and frames) of a routed source carry raw 32-bit RTP timestamps, unwrapped here
    # from the newest packet's: (raw, unwrapped, counting from 0 at the first packet)
    routed: bool = False
    newest_raw: int | None = None
    newest: int = 0

    def unwrap(self, raw: int) -> int:
        """``raw`` as a distance on the source's own timeline (wraps and reordering included)."""
        if self.newest_raw is None:
            return 0
        delta = (raw - self.newest_raw) & 0xFFFFFFFF
        return self.newest + (delta - 0x100000000 if delta & 0x80000000 else delta)


class TrackHub:
    """Encoded fan-out of one publisher's audio or video."""

    def __init__(self, label: str, kind: str, codec: RTCRtpCodecParameters) -> None:
        self.label = label
        self.kind = kind
        self.codec = codec
        self.clock_rate = codec.clockRate
        self._codec_name = codec.mimeType.split("/")[-1]
        self.stats = HubStats()
        self.origin: float | None = None  # monotonic time of pts 0 on the hub's timeline
        self.on_source_ended: list[Callable[[TrackHub], None]] = []
        self._outlets: set[Outlet] = set()
        self._writers: list[Outlet] = []  # the packetized outlets, in the order packets reach them
        self._source: _Source | None = None
        self._last_pts: int | None = None
        self._last_arrival = 0.0
        self._last_pli = -PLI_RETRY_INTERVAL
        self._pli_answered = True  # a keyframe arrived since the last request
        self._pli_pending: asyncio.TimerHandle | None = None
        self._pli_tasks: set[asyncio.Future[int]] = set()
        self.closed = False

    # ---- publisher side ---------------------------------------------------------------------

    @property
    def live(self) -> bool:
        return self._source is not None

    def attach(self, track: MediaStreamTrack, receiver: RTCRtpReceiver) -> None:
        """Start forwarding ``track``; replaces any previous source (a reconnecting publisher)."""
        if self._source is not None and self._source.task is not None:
            self._source.task.cancel()
        source = _Source(track, receiver)
        self._source = source
        self.stats.sources += 1
        source.task = asyncio.ensure_future(self._pump(source))
        # a receiver set up by aiortc_bridge.inbound.receive_directly() hands over each packet as it arrives
        # and, while someone wants them, frames as they complete, without a task wake-up each; the
        # pump then only waits for the track to end
        source.routed = set_packet_sink(receiver, functools.partial(self._packet_from, source))
        set_frame_sink(receiver, lambda packet: self._deliver_from(source, packet))
        self._update_frames_wanted()
        for outlet in self._outlets:
            if self.kind == "video" or outlet.packetized:
                outlet.waiting_keyframe = True

    async def _pump(self, source: _Source) -> None:
        try:
            while True:
                try:
                    packet = await source.track.recv()
                except MediaStreamError:
                    break
                if not isinstance(packet, av.Packet):
                    raise TypeError("receiver decoded a frame: streaming.aiortc_bridge.forwarding.install_forwarding() "
                                    "was not called before the publisher connected")
                self._deliver(source, packet)
        finally:
            if self._source is source:
                self._source = None
                for callback in list(self.on_source_ended):
                    callback(self)

    def _packet_from(self, source: _Source, sequence: int, timestamp: int, marker: bool, payload: bytes,
                     padded: bool) -> None:
        """One publisher packet (raw RTP timestamp): to every subscriber, as it arrives."""
        if self._source is not source:  # replaced by a reconnect, or the hub closed
            return
        if source.newest_raw is None:
            stamp, frame_start = 0, True
        else:
            stamp = source.unwrap(timestamp)
            frame_start = stamp > source.newest
        if frame_start:
            source.newest_raw, source.newest = timestamp, stamp
        out = self._on_timeline(source, stamp, frame_start)
        keyframe = False
        if frame_start:
            self.stats.frames_in += 1
            if self.kind != "video":
                keyframe = True
            elif rtp_starts_keyframe(self._codec_name, payload[:len(payload) - payload[-1]] if padded else payload):
                keyframe = True
                self._keyframe_arrived()
        for outlet in self._writers:
            outlet.offer_packet(sequence, out, marker, payload, padded, frame_start, keyframe)

    def _on_timeline(self, source: _Source, stamp: int, newest: bool) -> int:
        """``stamp`` (on the source's own timeline) on the hub's. A new source is placed at 0 if it
        is the first, else after the gap since the last one was heard (a reconnecting publisher);
        the newest frame moves the hub's clock."""
        now = time.monotonic()
        if source.offset is None:
            if self._last_pts is None:
                source.offset = -stamp
                self.origin = now
            else:
                gap_ticks = int((now - self._last_arrival) * self.clock_rate)
                source.offset = self._last_pts + max(gap_ticks, 1) - stamp
        out = stamp + source.offset
        self._last_arrival = now
        if newest:
            self._last_pts = out
        return out

    def _keyframe_arrived(self) -> None:
        self.stats.keyframes_in += 1
        self._pli_answered = True
        if self._pli_pending is not None:  # a request waiting for its slot is answered already
            self._pli_pending.cancel()
            self._pli_pending = None

    def _deliver_from(self, source: _Source, packet: av.Packet) -> None:
        if self._source is source:  # not replaced by a reconnect, hub not closed
            self._deliver(source, packet)

    def _deliver(self, source: _Source, packet: av.Packet) -> None:
        """One frame, to the frame consumers (the subscribers get packets: :meth:`_packet_from`)."""
        pts = int(packet.pts or 0)
        if source.routed:  # counted and placed on the timeline by its packets already
            out_pts = source.unwrap(pts) + (source.offset or 0)
        else:
            out_pts = self._on_timeline(source, pts, True)
            self.stats.frames_in += 1
            if packet.is_keyframe and self.kind == "video":
                self._keyframe_arrived()
        packet.pts = out_pts
        packet.dts = out_pts
        for outlet in list(self._outlets):
            if not outlet.packetized:
                outlet.offer(packet)

    def request_keyframe(self) -> None:
        """Ask the publisher for a keyframe (see PLI_RETRY_INTERVAL); a request that comes too soon
        is sent when its interval ends, unless a keyframe arrives first."""
        if self.kind != "video" or self.closed:
            return
        self.stats.keyframe_requests += 1
        interval = PLI_MIN_INTERVAL if self._pli_answered else PLI_RETRY_INTERVAL
        wait = self._last_pli + interval - time.monotonic()
        if wait <= 0:
            self._send_pli()
        elif self._pli_pending is None:
            self._pli_pending = asyncio.get_running_loop().call_later(wait, self._send_pli)

    def _send_pli(self) -> None:
        self._pli_pending = None
        self._last_pli = time.monotonic()
        self._pli_answered = False
        if self._source is None:
            return
        self.stats.plis_sent += 1
        task = asyncio.ensure_future(send_pli(self._source.receiver))
        self._pli_tasks.add(task)
        task.add_done_callback(self._pli_tasks.discard)

    # ---- consumer side ----------------------------------------------------------------------

    def add_outlet(self, maxsize: int, packetized: bool = False) -> Outlet:
        outlet = Outlet(self, maxsize, packetized)
        if self.closed:
            outlet.close()
            return outlet
        self._outlets.add(outlet)
        if packetized:
            # its keyframe is asked for once it is connected (ForwardedTrack.send_directly): one
            # asked for now would come before and be missed, and hold the next one back
            self._writers.append(outlet)
        else:
            self._update_frames_wanted()
            if outlet.waiting_keyframe:
                self.request_keyframe()
        return outlet

    def remove_outlet(self, outlet: Outlet) -> None:
        self._outlets.discard(outlet)
        if outlet in self._writers:
            self._writers.remove(outlet)
        else:
            self._update_frames_wanted()

    def _update_frames_wanted(self) -> None:
        """Reassemble frames only while a frame consumer listens (see want_frames)."""
        if self._source is not None:
            wanted = any(not outlet.packetized for outlet in self._outlets)
            want_frames(self._source.receiver, wanted)

    def subscribe(self, packetized: bool = False) -> ForwardedTrack:
        """A new track for a subscriber's sender (``packetized``: see :class:`ForwardedTrack`)."""
        return ForwardedTrack(self, packetized)

    def listen(self, maxsize: int = 600) -> FrameListener:
        """Encoded frames for an in-process consumer; see :class:`FrameListener`."""
        return FrameListener(self, maxsize)

    @property
    def outlet_count(self) -> int:
        return len(self._outlets)

    def max_queue(self) -> int:
        return max((outlet.queue.qsize() for outlet in self._outlets), default=0)

    def close(self) -> None:
        """End every consumer (the publisher left for good)."""
        self.closed = True
        if self._pli_pending is not None:
            self._pli_pending.cancel()
        if self._source is not None and self._source.task is not None:
            self._source.task.cancel()
        self._source = None
        for outlet in list(self._outlets):
            outlet.close()
