"""aiortc WHIP/WHEP client peers with synthetic media: for the relay's tests and benchmark,
and for anyone who wants to publish a test pattern without a browser.

The video source stamps each frame's index into the picture (16 black/white blocks on the
top row), so a decoding subscriber can tell which frame it got and how long it took from the
publisher's capture clock (``FrameClock``) to its own decoder.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import av
import httpx
import numpy as np
from aiortc import (
    AudioStreamTrack,
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import VIDEO_TIME_BASE, MediaStreamError

INDEX_BITS = 16
BLOCK = 16


class FrameClock:
    """Wall-clock capture time of each stamped frame index (shared by publisher and subscribers
    living in the same process)."""

    def __init__(self) -> None:
        self.sent: dict[int, float] = {}

    def mark(self, index: int) -> None:
        self.sent[index % (1 << INDEX_BITS)] = time.time()


class StampedVideoTrack(MediaStreamTrack):
    """A moving test pattern at ``fps``, paced in real time, with the frame index stamped in."""

    kind = "video"

    def __init__(self, width: int = 320, height: int = 240, fps: int = 30, clock: FrameClock | None = None):
        super().__init__()
        self.width, self.height, self.fps = width, height, fps
        self.clock = clock or FrameClock()
        x = np.arange(2 * width, dtype=np.uint32)
        y = np.arange(height, dtype=np.uint32)[:, None]
        strip = np.zeros((height, 2 * width, 3), dtype=np.uint8)
        strip[..., 0] = (x * 3) % 256
        strip[..., 1] = (y * 2 + x) % 256
        strip[..., 2] = ((x // 40 + y // 40) % 2) * 200
        self._strip = strip
        self._index = 0
        self._start: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.time()
        wait = self._start + self._index / self.fps - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        elif wait < -1 / self.fps:
            # Behind (a starved process): skip frames like a camera would, never burst a backlog.
            self._index = int((time.time() - self._start) * self.fps)
        offset = (self._index * 4) % self.width
        image = np.ascontiguousarray(self._strip[:, offset:offset + self.width])
        for bit in range(INDEX_BITS):
            value = 255 if (self._index >> bit) & 1 else 0
            image[0:BLOCK, bit * BLOCK:(bit + 1) * BLOCK] = value
        frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
        frame.pts = self._index * (90000 // self.fps)
        frame.time_base = VIDEO_TIME_BASE
        self.clock.mark(self._index)
        self._index += 1
        return frame


def read_stamp(frame: av.VideoFrame) -> int:
    """The frame index stamped by :class:`StampedVideoTrack` (read from the luma plane)."""
    luma = frame.to_ndarray(format="gray")
    index = 0
    for bit in range(INDEX_BITS):
        block = luma[4:BLOCK - 4, bit * BLOCK + 4:(bit + 1) * BLOCK - 4]
        if block.mean() > 128:
            index |= 1 << bit
    return index


def prefer(pc_transceiver: Any, mime: str) -> None:
    """Offer only ``mime`` (and RTX) on a transceiver."""
    caps = RTCRtpSender.getCapabilities(pc_transceiver.kind).codecs
    chosen = [c for c in caps if c.mimeType.lower() == mime.lower()]
    rtx = [c for c in caps if c.mimeType.lower().endswith("/rtx")]
    pc_transceiver.setCodecPreferences(chosen + rtx)


class SignallingError(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


@dataclass
class Peer:
    """A connected WHIP or WHEP client peer."""

    pc: RTCPeerConnection
    location: str
    base_url: str
    token: str
    headers: dict[str, str] = field(default_factory=dict)

    async def leave(self) -> int:
        """DELETE the session (the WHIP/WHEP way to hang up), then close the peer."""
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10) as http:
            response = await http.delete(self.location, headers={"Authorization": f"Bearer {self.token}"})
        await self.pc.close()
        return response.status_code

    async def kill(self) -> None:
        """Drop the connection without telling the relay (a phone losing its network)."""
        await self.pc.close()

    async def restart_ice(self, config: RTCConfiguration | None = None,
                          prepare: Callable[[RTCPeerConnection], Any] | None = None) -> httpx.Response:
        """Restart ICE through ``PATCH`` (RFC 9725 §4.3.2), the way an aiortc client can: aiortc cannot
        restart the ICE of a live connection, so the client continues on a NEW peer connection that keeps
        everything the session agreed (DTLS certificate, SSRCs, tracks, codec preferences) and sends only
        its new ICE credentials and candidates; the relay's answering fragment completes the old answer.
        The session (Location) stays the same. ``prepare(pc)`` is called on the new connection before it
        negotiates (a viewer collects its tracks). Returns the PATCH response (200 when restarted)."""
        from streaming import sdpfrag  # the relay's own helpers, no second SDP parser
        from streaming.aiortc_bridge.certificates import reuse_certificates

        old = self.pc
        answer = old.remoteDescription.sdp
        pc = RTCPeerConnection(config or RTCConfiguration(iceServers=[]))
        reuse_certificates(pc, old)
        if prepare is not None:
            prepare(pc)
        for previous in old.getTransceivers():
            track = previous.sender.track
            previous.sender.replaceTrack(None)  # the old connection stops sending; the new one takes the track
            transceiver = pc.addTransceiver(track or previous.kind, direction=previous.direction)
            transceiver.setCodecPreferences(previous._preferred_codecs)
            transceiver.sender._ssrc = previous.sender._ssrc  # the same streams, as a browser's restart keeps
            transceiver.sender._rtx_ssrc = previous.sender._rtx_ssrc
        await pc.setLocalDescription(await pc.createOffer())
        fragment = sdpfrag.answer_fragment(pc.localDescription.sdp)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            response = await http.patch(self.location, content=fragment.encode(),
                                        headers={"Content-Type": sdpfrag.CONTENT_TYPE, "If-Match": "*",
                                                 "Authorization": f"Bearer {self.token}"})
        if response.status_code != 200:
            await pc.close()
            return response
        relay = sdpfrag.parse(response.content)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdpfrag.restarted_offer(answer, relay),
                                                            type="answer"))
        self.pc = pc
        await old.close()
        return response

    def go_silent(self) -> None:
        """Stop sending media without a word (a phone whose network stalls): the relay gets no more
        packets and, until its consent checks give up, still thinks the connection is up."""
        for sender in self.pc.getSenders():
            sender.replaceTrack(None)


def without_bandwidth_feedback(sdp: str) -> str:
    """Drop the abs-send-time header extension from an offer, so the far end computes no REMB.

    aiortc's encoders restart (with a keyframe) whenever REMB moves their target bitrate by
    10 %; without REMB a publisher keeps its natural keyframe interval (x264: 250 frames, VP8:
    3000), which is what a late-join test needs to prove that keyframe requests are forwarded.
    """
    return "".join(line for line in sdp.splitlines(keepends=True) if "abs-send-time" not in line)


async def _signal(pc: RTCPeerConnection, url: str, base_url: str, token: str, remb: bool = True) -> Peer:
    offer = await pc.createOffer()
    await pc.setLocalDescription(offer)  # aiortc gathers every candidate here (non-trickle)
    sdp = pc.localDescription.sdp if remb else without_bandwidth_feedback(pc.localDescription.sdp)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        response = await http.post(url, content=sdp.encode(),
                                   headers={"Content-Type": "application/sdp",
                                            "Authorization": f"Bearer {token}"})
    if response.status_code != 201:
        await pc.close()
        raise SignallingError(response.status_code, response.text)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=response.text, type="answer"))
    return Peer(pc, response.headers["location"], base_url, token, dict(response.headers))


async def publish(base_url: str, room: str, token: str, *, codec: str = "video/H264", audio: bool = True,
                  video: bool = True, width: int = 320, height: int = 240, fps: int = 30,
                  clock: FrameClock | None = None, remb: bool = True,
                  config: RTCConfiguration | None = None) -> tuple[Peer, FrameClock]:
    """Publish a stamped test pattern (and a silent Opus track) through WHIP.

    ``remb=False`` keeps the encoder's bitrate, hence its keyframe interval, fixed. ``config``: ICE
    servers and transport policy (default: host candidates only)."""
    clock = clock or FrameClock()
    pc = RTCPeerConnection(config or RTCConfiguration(iceServers=[]))
    if video:
        transceiver = pc.addTransceiver(StampedVideoTrack(width, height, fps, clock), direction="sendonly")
        prefer(transceiver, codec)
    if audio:
        pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
    peer = await _signal(pc, f"/whip/{room}", base_url, token, remb)
    return peer, clock


@dataclass
class ReceivedTrack:
    kind: str
    frames: int = 0
    first_at: float | None = None
    last_at: float | None = None
    latencies: list[float] = field(default_factory=list)
    stamps: list[int] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)

    def fps(self, since: float, until: float) -> float:
        return 0.0 if until <= since else self._count_between(since, until) / (until - since)

    def _count_between(self, since: float, until: float) -> int:
        return sum(1 for t in self.arrivals if since <= t <= until)


@dataclass
class Viewer:
    """A WHEP subscriber that decodes (or, with ``read=False``, never reads) what it receives."""

    peer: Peer
    started: float
    tracks: dict[str, ReceivedTrack]
    tasks: list[asyncio.Task[None]]
    answered: float = 0.0  # when the answer came back
    connected: float | None = None  # when the peer connection reached "connected"

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.peer.pc.close()

    async def frames(self, count: int, timeout: float = 10.0, kind: str = "video") -> int:
        """Wait until ``count`` frames of ``kind`` arrived (or ``timeout``); returns how many did."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            track = self.tracks.get(kind)
            if track is not None and track.frames >= count:
                break
            await asyncio.sleep(0.05)
        track = self.tracks.get(kind)
        return 0 if track is None else track.frames

    def first_frame_seconds(self, kind: str = "video") -> float | None:
        track = self.tracks.get(kind)
        if track is None or track.first_at is None:
            return None
        return track.first_at - self.started


async def watch(base_url: str, room: str, token: str, *, video: int = 1, audio: int = 1,
                codec: str | None = None, read: bool = True, clock: FrameClock | None = None,
                interleaved: bool = False) -> Viewer:
    """Subscribe through WHEP with ``video`` video and ``audio`` audio receive-only sections: all
    video sections first, or (``interleaved``) audio and video per publisher, as the pages offer.

    Like the browsers (the pages use ``bundlePolicy: "max-bundle"``), every section shares one
    transport."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
    if interleaved:
        kinds = [k for i in range(max(video, audio)) for k, n in (("audio", audio), ("video", video)) if i < n]
    else:
        kinds = ["video"] * video + ["audio"] * audio
    for kind in kinds:
        transceiver = pc.addTransceiver(kind, direction="recvonly")
        if codec and kind == "video":
            prefer(transceiver, codec)
    started = time.time()
    received, tasks = collect_tracks(pc, read=read, clock=clock)
    connected: list[float] = []

    @pc.on("connectionstatechange")
    def _on_state() -> None:
        if pc.connectionState == "connected" and not connected:
            connected.append(time.time())
            viewer.connected = connected[0]

    peer = await _signal(pc, f"/whep/{room}", base_url, token)
    viewer = Viewer(peer, started, received, tasks, answered=time.time())
    if connected:
        viewer.connected = connected[0]
    return viewer


def collect_tracks(pc: RTCPeerConnection, *, read: bool = True, clock: FrameClock | None = None,
                   ) -> tuple[dict[str, ReceivedTrack], list[asyncio.Task[None]]]:
    """Count (and, for stamped video, time) every track ``pc`` receives; for any signalling."""
    received: dict[str, ReceivedTrack] = {}
    tasks: list[asyncio.Task[None]] = []

    @pc.on("track")
    def _on_track(track: MediaStreamTrack) -> None:
        key = track.kind if track.kind not in received else f"{track.kind}{len(received)}"
        stats = ReceivedTrack(track.kind)
        received[key] = stats
        if read:
            tasks.append(asyncio.ensure_future(_consume(track, stats, clock)))

    return received, tasks


async def _consume(track: MediaStreamTrack, stats: ReceivedTrack, clock: FrameClock | None) -> None:
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        now = time.time()
        stats.frames += 1
        stats.arrivals.append(now)
        stats.first_at = stats.first_at or now
        stats.last_at = now
        if isinstance(frame, av.VideoFrame):
            index = read_stamp(frame)
            stats.stamps.append(index)
            if clock is not None and index in clock.sent:
                stats.latencies.append(now - clock.sent[index])
