"""Everything the relay needs from aiortc that aiortc does not offer publicly.

This is the ONLY module that touches aiortc's private names. aiortc is pinned (1.16.0) in
pyproject.toml and ``tests/streaming/test_aiortc_bridge.py`` fails loudly when an upgrade moves
any of the internals below:

- ``aiortc.rtcrtpreceiver.decoder_worker``: every receiver runs this module-level function in
  a thread and feeds it complete encoded frames from its jitter buffer. The peer connection
  builds receivers itself, so a subclass is unreachable; we swap the function, and our worker
  hands the encoded frame on as an ``av.Packet`` instead of decoding it. ``RTCRtpSender`` packs
  (instead of encoding) whatever ``av.Packet`` its track returns.
- ``RTCRtpReceiver._send_rtcp_pli`` and ``__rtx_ssrc``: a keyframe request must be addressed to
  the publisher's MEDIA ssrc; Chromium ignores a PLI sent to its RTX ssrc.
- ``RTCRtpSender._send_keyframe``: a subscriber's PLI/FIR lands here and only flags an encoder;
  when forwarding it must go on to the publisher.
- ``RTCRtpTransceiver._codecs``: the codec negotiated with the publisher, which each subscriber
  must be restricted to before its answer is created.
- ``RTCRtpSender.__encoder``: the sender packs an ``av.Packet`` with its own encoder object, so
  N subscribers would split the same H.264/VP8 frame into RTP payloads N times. The hub
  packetizes once (:class:`PacketizedFrame`) and each subscriber's sender gets a
  :class:`SharedPayloads` "encoder" that hands those payloads back.
- ``RTCRtpSender.__packet_count``: cheap counters for ``/stats`` (getStats() is a coroutine that
  builds a whole report).
- ``aiortc.rtcrtpreceiver.JitterBuffer``: aiortc releases a video frame only when the NEXT
  frame's first packet arrives (one frame interval late) and holds four audio frames back
  (80 ms) to smooth decoding. A forwarder needs neither: :class:`ForwardingJitterBuffer` releases
  a frame as soon as its marker-bit packet completes it (audio: every packet), and subscribers'
  own jitter buffers do the smoothing.
- aioice binds host candidates with ``loop.create_datagram_endpoint(local_addr=(ip, 0))`` and has
  no port-range option; :func:`install_udp_port_range` wraps that call on the relay's loop.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import queue
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiortc
import aiortc.codecs as aiortc_codecs
import aiortc.rtcrtpreceiver as aiortc_receiver
import av
from aiortc import RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtcrtpparameters import RTCRtpCodecCapability, RTCRtpCodecParameters

from streaming.bitstream import is_keyframe

log = logging.getLogger(__name__)

SUPPORTED_AIORTC = "1.16.0"

_STOCK_DECODER_WORKER = aiortc_receiver.decoder_worker
_STOCK_JITTER_BUFFER = aiortc_receiver.JitterBuffer
_STOCK_GET_DECODER = aiortc_codecs.get_decoder


@dataclass
class BridgeCounters:
    """Process-wide counters. ``decoders_created``/``frames_decoded`` count every aiortc decoder
    made or used in this process through aiortc's own factory, so a relay that forwards must
    show 0 however the code paths evolve."""

    decoders_created: int = 0
    frames_decoded: int = 0
    frames_forwarded: int = 0

    def snapshot(self) -> dict[str, int]:
        with _COUNTER_LOCK:
            return {
                "decoders_created": self.decoders_created,
                "frames_decoded": self.frames_decoded,
                "frames_forwarded": self.frames_forwarded,
            }


COUNTERS = BridgeCounters()
_COUNTER_LOCK = threading.Lock()


class _CountingDecoder:
    """Wraps an aiortc decoder so every decode() call is counted."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def decode(self, encoded_frame: Any) -> Any:
        with _COUNTER_LOCK:
            COUNTERS.frames_decoded += 1
        return self._inner.decode(encoded_frame)


def _counting_get_decoder(codec: RTCRtpCodecParameters) -> Any:
    with _COUNTER_LOCK:
        COUNTERS.decoders_created += 1
    return _CountingDecoder(_STOCK_GET_DECODER(codec))


def forwarding_worker(
    loop: asyncio.AbstractEventLoop,
    input_q: queue.Queue[Any],
    output_q: asyncio.Queue[Any],
    decode_error: threading.Event,
) -> None:
    """Drop-in for ``decoder_worker``: pass each encoded frame on as an ``av.Packet``.

    pts is aiortc's mapped RTP timestamp (starts at 0 per receiver) in 1/clockRate;
    ``is_keyframe`` is set here, off the event loop, from the bitstream.
    """
    while True:
        task = input_q.get()
        if task is None:
            loop.call_soon_threadsafe(output_q.put_nowait, None)
            break
        codec, encoded_frame = task
        data = encoded_frame.data
        packet = av.Packet(data)
        packet.pts = encoded_frame.timestamp
        packet.dts = encoded_frame.timestamp
        packet.time_base = fractions.Fraction(1, codec.clockRate)
        packet.is_keyframe = is_keyframe(codec.name, data)
        with _COUNTER_LOCK:
            COUNTERS.frames_forwarded += 1
        loop.call_soon_threadsafe(output_q.put_nowait, packet)


class ForwardingJitterBuffer(JitterBuffer):
    """aiortc's reordering buffer, releasing each frame as soon as it is complete: at its
    marker-bit packet (video) or at once (audio, one frame per packet), or, as before, when a
    packet of the next frame shows the previous one ended."""

    def __init__(self, capacity: int, prefetch: int = 0, is_video: bool = False) -> None:
        super().__init__(capacity=capacity, prefetch=0, is_video=is_video)

    def _remove_frame(self, sequence_number: int) -> JitterFrame | None:
        if self._origin is None:
            return None
        packets: list[Any] = []
        timestamp = None
        for count in range(self._capacity):
            packet = self._packets[(self._origin + count) % self._capacity]
            if packet is None:
                return None
            if timestamp is None:
                timestamp = packet.timestamp
            elif packet.timestamp != timestamp:
                frame = JitterFrame(b"".join(p._data for p in packets), timestamp)
                self.remove(count)
                return frame
            packets.append(packet)
            if packet.marker or not self._is_video:
                frame = JitterFrame(b"".join(p._data for p in packets), timestamp)
                self.remove(count + 1)
                return frame
        return None


def install_decode_counter() -> None:
    """Count every decoder aiortc creates in this process (see :class:`BridgeCounters`)."""
    aiortc_receiver.get_decoder = _counting_get_decoder
    aiortc_codecs.get_decoder = _counting_get_decoder


def install_forwarding() -> None:
    """Make every receiver created from now on yield encoded ``av.Packet`` instead of frames.

    Process-wide: call it once in the relay process (never where aiortc peers must decode).
    """
    check_aiortc_version()
    install_decode_counter()
    aiortc_receiver.decoder_worker = forwarding_worker
    aiortc_receiver.JitterBuffer = ForwardingJitterBuffer  # type: ignore[misc]


def uninstall_forwarding() -> None:
    """Restore aiortc's own decoding worker and decoder factory (for tests)."""
    aiortc_receiver.decoder_worker = _STOCK_DECODER_WORKER
    aiortc_receiver.JitterBuffer = _STOCK_JITTER_BUFFER  # type: ignore[misc]
    aiortc_receiver.get_decoder = _STOCK_GET_DECODER
    aiortc_codecs.get_decoder = _STOCK_GET_DECODER


def forwarding_installed() -> bool:
    return aiortc_receiver.decoder_worker is forwarding_worker


def check_aiortc_version() -> None:
    if aiortc.__version__ != SUPPORTED_AIORTC:
        raise RuntimeError(
            f"streaming.aiortc_bridge supports aiortc {SUPPORTED_AIORTC}, found {aiortc.__version__}; "
            "re-check the internals listed in its docstring and run tests/streaming/test_aiortc_bridge.py"
        )


# ---- keyframe requests --------------------------------------------------------------------


def media_ssrcs(receiver: RTCRtpReceiver) -> list[int]:
    """The publisher's media ssrcs seen by ``receiver`` in the last 10 s, RTX ssrcs excluded.

    RTX ssrcs signalled in the offer (``a=ssrc-group:FID``) are in the receiver's RTX map;
    signalled media ssrcs come first so the PLI reaches the right stream.
    """
    rtx_to_media: dict[int, int] = receiver._RTCRtpReceiver__rtx_ssrc  # type: ignore[attr-defined]
    active = [source.source for source in receiver.getSynchronizationSources()]
    signalled = [ssrc for ssrc in dict.fromkeys(rtx_to_media.values())]
    ordered = [ssrc for ssrc in signalled if ssrc in active] + [
        ssrc for ssrc in active if ssrc not in rtx_to_media and ssrc not in signalled
    ]
    return ordered or signalled


async def send_pli(receiver: RTCRtpReceiver) -> int:
    """Ask the publisher behind ``receiver`` for a keyframe; returns how many PLIs were sent."""
    targets = media_ssrcs(receiver)
    for ssrc in targets:
        await receiver._send_rtcp_pli(ssrc)
    return len(targets)


def redirect_keyframe_requests(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Route a subscriber's PLI/FIR (which aiortc turns into ``sender._send_keyframe()``) to
    ``callback`` instead of flagging a (non-existent) encoder."""
    sender._send_keyframe = callback  # type: ignore[method-assign]


# ---- codecs -------------------------------------------------------------------------------


def negotiated_codec(transceiver: RTCRtpTransceiver) -> RTCRtpCodecParameters | None:
    """The primary (non-RTX) codec the transceiver negotiated, after the descriptions were set."""
    for codec in transceiver._codecs:
        if not codec.mimeType.lower().endswith("/rtx"):
            return codec
    return None


def codec_key(codec: RTCRtpCodecParameters | RTCRtpCodecCapability) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Identity of a codec for forwarding: mime type plus its fmtp parameters (H.264 profile)."""
    params = tuple(sorted((str(k), str(v)) for k, v in (codec.parameters or {}).items()))
    return codec.mimeType.lower(), params


def restrict_codecs(transceiver: RTCRtpTransceiver, allowed: list[RTCRtpCodecParameters]) -> None:
    """Make the next answer on ``transceiver`` carry only codecs identical (mime type AND fmtp,
    so the H.264 profile too) to ``allowed``, plus their RTX.

    Must be called before ``setRemoteDescription``: aiortc filters the common codecs through
    the transceiver's preferences while applying the offer (see rtcpeerconnection.py).
    """
    order = [codec_key(codec) for codec in allowed]  # the answer lists codecs in this order
    capabilities = RTCRtpSender.getCapabilities(transceiver.kind).codecs
    chosen = sorted((cap for cap in capabilities if codec_key(cap) in order),
                    key=lambda cap: order.index(codec_key(cap)))
    rtx = [cap for cap in capabilities if cap.mimeType.lower().endswith("/rtx")]
    transceiver.setCodecPreferences(chosen + rtx)


def forwardable_codecs(kind: str) -> list[RTCRtpCodecParameters]:
    """aiortc's codecs the relay forwards: VP8 and H.264 (both profiles) for video, Opus for audio."""
    names = {"video": ("video/vp8", "video/h264"), "audio": ("audio/opus",)}[kind]
    return [codec for codec in aiortc_codecs.CODECS[kind] if codec.mimeType.lower() in names]


# ---- packetize once per frame --------------------------------------------------------------


class PacketizedFrame:
    """RTP payloads of one encoded frame, shared by every subscriber's sender."""

    __slots__ = ("payloads", "timestamp")

    def __init__(self, payloads: list[bytes], timestamp: int) -> None:
        self.payloads = payloads
        self.timestamp = timestamp


class FramePacketizer:
    """Packetizes encoded frames with aiortc's own payloader for ``codec`` (no encoding)."""

    def __init__(self, codec: RTCRtpCodecParameters) -> None:
        self._packer = aiortc_codecs.get_encoder(codec)

    def packetize(self, packet: av.Packet) -> PacketizedFrame:
        payloads, timestamp = self._packer.pack(packet)
        return PacketizedFrame(payloads, timestamp)


class SharedPayloads:
    """Stands in for a subscriber sender's encoder: returns the hub's payloads as they are."""

    target_bitrate = 0  # the sender sets it from REMB; nothing to adapt when forwarding

    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        raise TypeError("a forwarding sender never encodes")

    def pack(self, frame: PacketizedFrame) -> tuple[list[bytes], int]:
        return frame.payloads, frame.timestamp


def share_packetization(sender: RTCRtpSender) -> None:
    """Make ``sender`` send :class:`PacketizedFrame` objects its track returns (call before
    the connection starts: aiortc creates the encoder lazily, only when there is none)."""
    sender._RTCRtpSender__encoder = SharedPayloads()  # type: ignore[attr-defined]


# ---- counters -----------------------------------------------------------------------------


def sender_packet_count(sender: RTCRtpSender) -> int:
    """RTP packets this sender has put on the wire."""
    return int(sender._RTCRtpSender__packet_count)  # type: ignore[attr-defined]


def sender_octet_count(sender: RTCRtpSender) -> int:
    return int(sender._RTCRtpSender__octet_count)  # type: ignore[attr-defined]


# ---- UDP port range -----------------------------------------------------------------------


def install_udp_port_range(loop: asyncio.AbstractEventLoop, port_min: int, port_max: int) -> None:
    """Bind every ``create_datagram_endpoint(local_addr=(ip, 0))`` on ``loop`` (that is how aioice
    binds ICE host candidates) to a free port in [port_min, port_max].

    Works on the standard asyncio loop (run uvicorn with ``loop="asyncio"``); a no-op when the
    range is unset. Other code asking for an ephemeral UDP port on this loop gets one from
    the range too, which is what a firewall rule for the relay wants anyway.
    """
    if port_min <= 0 or port_max < port_min:
        return
    original = loop.create_datagram_endpoint

    async def create_in_range(protocol_factory: Any, local_addr: Any = None, **kwargs: Any) -> Any:
        if not local_addr or local_addr[1] != 0:
            return await original(protocol_factory, local_addr=local_addr, **kwargs)
        ports = list(range(port_min, port_max + 1))
        start = random.randrange(len(ports))
        last_error: OSError | None = None
        for port in ports[start:] + ports[:start]:
            try:
                return await original(protocol_factory, local_addr=(local_addr[0], port), **kwargs)
            except OSError as exc:
                last_error = exc
        raise OSError(f"no free UDP port in {port_min}-{port_max}") from last_error

    loop.create_datagram_endpoint = create_in_range  # type: ignore[method-assign,assignment]


def codecs_compatible(offered: RTCRtpCodecParameters, codec: RTCRtpCodecParameters) -> bool:
    """Whether an offered codec can carry ``codec``'s bitstream (same mime type, clock rate and,
    for H.264, the same profile and packetization mode), as aiortc decides it."""
    from aiortc.rtcpeerconnection import is_codec_compatible

    return bool(is_codec_compatible(offered, codec))
