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
- ``RTCRtpSender._run_rtp`` and its private state (``__mid``, ``__rtp_header_extensions_map``,
  ``__rtp_started``/``__rtp_exited``, the sender-report counters, ``__rtx_*``), ``_retransmit``,
  ``RTCDtlsTransport._tx_srtp`` and aioice's nominated pair: aiortc's sender loop costs a task
  wake-up per frame and an object, a serialisation and three awaited layers per packet, for
  every subscriber (it was most of the relay's CPU). A :class:`DirectRtpWriter` per subscriber
  sends each publisher packet's payload synchronously under its own header; aiortc keeps RTCP.
  ``__packet_count`` also gives ``/stats`` cheap counters (getStats() is a coroutine that builds a whole report).
- ``aiortc.rtcrtpreceiver.JitterBuffer``: aiortc releases a video frame only when the NEXT
  frame's first packet arrives (one frame interval late) and holds four audio frames back
  (80 ms) to smooth decoding. A forwarder needs neither: :class:`ForwardingJitterBuffer` releases
  a frame as soon as its marker-bit packet completes it (audio: every packet), and subscribers'
  own jitter buffers do the smoothing.
- The inbound path (:func:`receive_directly`, used for every publisher): aioice parses each
  datagram as STUN and queues it for ``RTCDtlsTransport``'s receive task, and each completed frame
  crosses to the receiver's decoder thread and back. Instead SRTP/SRTCP datagrams go from the
  socket's protocol (``StunProtocol.datagram_received``, ``Connection.data_received``,
  ``Connection._protocols``) straight into ``RTCDtlsTransport``'s own SRTP branch
  (``_rx_srtp``, ``_state``, ``__rx_bytes``/``__rx_packets``, ``_handle_rtp_data``,
  ``_handle_rtcp_data``: aiortc's RTP/RTCP handling, stats, NACKs, jitter buffer all unchanged),
  and the frames from ``RTCRtpReceiver.__decoder_queue`` (replaced) to the track's queue
  (``RemoteStreamTrack._queue``) or the hub, on the event loop.
- Per media packet (:class:`_MediaRoute`, once the hub set a packet sink): aiortc's RTP parsing,
  routing, depayloading and jitter buffer are skipped unless frames are wanted; the receiver's own
  ``__remote_streams`` statistics, ``__nack_generator``, ``__remote_bitrate_estimator`` (with
  ``__rtcp_ssrc``, ``_send_rtcp``), ``__active_ssrc``, ``__codecs``, ``__rtx_ssrc``,
  ``_send_rtcp_nack`` and ``_enabled`` are kept up to date as ``_handle_rtp_packet`` would, and
  ``__timestamp_mapper`` is replaced so frames keep raw RTP timestamps.
- aioice binds host candidates with ``loop.create_datagram_endpoint(local_addr=(ip, 0))`` and has
  no port-range option; :func:`install_udp_port_range` wraps that call on the relay's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import queue
import random
import struct
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import aiortc
import aiortc.clock as aiortc_clock
import aiortc.codecs as aiortc_codecs
import aiortc.rtcrtpreceiver as aiortc_receiver
import av
import pylibsrtp
from aioice.ice import StunProtocol
from aiortc import RTCDtlsTransport, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtcrtpparameters import RTCRtpCodecCapability, RTCRtpCodecParameters
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTP_HISTORY_SIZE,
    HeaderExtensions,
    RtcpPsfbPacket,
    RtpPacket,
    is_rtcp,
    pack_remb_fci,
    wrap_rtx,
)

from streaming.bitstream import is_keyframe

log = logging.getLogger(__name__)

SUPPORTED_AIORTC = "1.16.0"

_STOCK_DECODER_WORKER = aiortc_receiver.decoder_worker
_STOCK_JITTER_BUFFER = aiortc_receiver.JitterBuffer
_STOCK_GET_DECODER = aiortc_codecs.get_decoder
_PLAIN_SEND_DATA = StunProtocol.send_data  # a host/srflx pair: send_data is a bare sendto
_RTP_HEADER = struct.Struct("!BBHLL")
_RTP_FIXED = struct.Struct("!BBHII")
_EXTENSION_HEADER = struct.Struct("!HH")


@dataclass
class BridgeCounters:
    """Process-wide counters. ``decoders_created``/``frames_decoded`` count every aiortc decoder
    made or used in this process through aiortc's own factory, so a relay that forwards must
    show 0 however the code paths evolve."""

    decoders_created: int = 0
    frames_decoded: int = 0
    frames_forwarded: int = 0
    # the inbound fast path (event loop thread only, so no lock): frames handed on without the
    # decoder thread, SRTP/SRTCP datagrams handled without aioice's queue
    frames_inline: int = 0
    datagrams_inline: int = 0
    packets_routed: int = 0  # media packets handed on as bytes, without aiortc's RTP handling

    def snapshot(self) -> dict[str, int]:
        with _COUNTER_LOCK:
            return {
                "decoders_created": self.decoders_created,
                "frames_decoded": self.frames_decoded,
                "frames_forwarded": self.frames_forwarded,
                "frames_inline": self.frames_inline,
                "datagrams_inline": self.datagrams_inline,
                "packets_routed": self.packets_routed,
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
        loop.call_soon_threadsafe(output_q.put_nowait, forwarded_packet(codec, encoded_frame))


def forwarded_packet(codec: RTCRtpCodecParameters, encoded_frame: JitterFrame) -> av.Packet:
    """One reassembled frame as the encoded ``av.Packet`` the hub forwards (counted)."""
    data = encoded_frame.data
    packet = av.Packet(data)
    packet.pts = encoded_frame.timestamp
    packet.dts = encoded_frame.timestamp
    packet.time_base = fractions.Fraction(1, codec.clockRate)
    packet.is_keyframe = is_keyframe(codec.name, data)
    with _COUNTER_LOCK:
        COUNTERS.frames_forwarded += 1
    return packet


class ForwardingJitterBuffer(JitterBuffer):
    """aiortc's reordering buffer, releasing each frame as soon as it is complete: at its
    marker-bit packet (video) or at once (audio, one frame per packet), or, as before, when a
    packet of the next frame shows the previous one ended."""

    def __init__(self, capacity: int, prefetch: int = 0, is_video: bool = False) -> None:
        super().__init__(capacity=capacity, prefetch=0, is_video=is_video)

    def reset(self) -> None:
        """Forget every packet, as if new (the next packet becomes the origin)."""
        self._packets = [None] * self._capacity
        self._origin = None

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


# ---- writing subscribers' RTP ------------------------------------------------------------


RTP_VERSION_BITS = 0x80
RTP_EXTENSION_BIT = 0x10
NTP_UNIX_OFFSET = 2208988800  # seconds from 1900 (NTP epoch) to 1970
SEND_BUFFER_LIMIT = 256 * 1024  # bytes queued in the subscriber's socket transport before we drop


class DirectRtpWriter:
    """A subscriber's RTP, written synchronously from the hub in place of ``RTCRtpSender._run_rtp``.

    aiortc's sender loop costs a task wake-up per frame and an ``RtpPacket`` object, a header
    serialisation and three awaited layers (DTLS, ICE, aioice) per packet, for every subscriber.
    Here each publisher packet's payload gets this subscriber's header built with ``struct``
    (its own ssrc, sequence numbers at a fixed distance from the publisher's, timestamps on the
    hub's timeline), is protected with the subscriber's SRTP session and handed to its UDP
    transport, without awaiting. RTCP stays aiortc's: the sender's report counters are updated, NACKs are answered
    from our own history (:meth:`retransmit`), PLIs go to the publisher (see
    :func:`redirect_keyframe_requests`).
    """

    def __init__(self, sender: RTCRtpSender, on_ready: Callable[[], None] | None = None) -> None:
        self._sender = sender
        self._on_ready = on_ready
        self._sequence = random.getrandbits(16)
        self._timestamp_origin = random.getrandbits(32)
        self._history: dict[int, bytes] = {}
        self._payload_type = 0
        self._mid = ""
        self._extensions: Any = None
        self._stopped: asyncio.Future[None] | None = None
        self._offset = 0  # publisher's sequence number -> ours (see start_at)
        self._frame_timestamp: int | None = None
        self._rtp_timestamp = 0
        self._first = RTP_VERSION_BITS
        self._extension = b""
        self.ready = False
        self.packets = 0
        self.octets = 0
        self.dropped_packets = 0
        sender._run_rtp = self._run  # type: ignore[method-assign]
        sender._retransmit = self.retransmit  # type: ignore[method-assign]

    async def _run(self, codec: RTCRtpCodecParameters) -> None:
        """Runs where aiortc would run its RTP loop: from ``send()`` until ``stop()`` cancels it."""
        sender = self._sender
        self._payload_type = codec.payloadType or 0
        self._mid = sender._RTCRtpSender__mid or ""  # type: ignore[attr-defined]
        self._extensions = sender._RTCRtpSender__rtp_header_extensions_map  # type: ignore[attr-defined]
        self._stopped = asyncio.get_running_loop().create_future()
        sender._RTCRtpSender__rtp_started.set()  # type: ignore[attr-defined]
        self.ready = True
        if self._on_ready is not None:
            self._on_ready()
        try:
            await self._stopped
        except asyncio.CancelledError:
            pass
        finally:
            self.ready = False
            if sender.track is not None:
                sender.track.stop()
            sender._RTCRtpSender__rtp_exited.set()  # type: ignore[attr-defined]

    def _socket(self) -> tuple[Any, tuple[str, int]] | None:
        """The UDP transport and address of the nominated ICE pair, or None if it cannot take
        a datagram now (not connected, TURN relayed, or its buffer backed up)."""
        dtls = self._sender.transport
        state = dtls._state
        if state is not DtlsState.CONNECTED:
            self.ready = state in (DtlsState.NEW, DtlsState.CONNECTING)  # closed or failed: for good
            return None
        pair = dtls.transport._connection._nominated.get(1)
        if pair is None or type(pair.protocol).send_data is not _PLAIN_SEND_DATA:
            return None
        transport: Any = pair.protocol.transport  # asyncio's datagram transport (has a write buffer)
        if transport is None or transport.get_write_buffer_size() > SEND_BUFFER_LIMIT:
            return None
        return transport, pair.remote_addr

    def start_at(self, sequence: int) -> None:
        """Give the publisher's packet ``sequence`` (the first packet of a keyframe, where this
        subscriber starts or resumes) our next sequence number. Later packets keep their distance
        to it, so a packet lost upstream stays a gap the subscriber can NACK and a retransmission
        that arrives late fills it."""
        self._offset = (self._sequence - sequence) & 0xFFFF

    def write(self, sequence: int, timestamp: int, marker: bool, payload: bytes, padded: bool) -> bool:
        """Send one packet of the publisher's (``timestamp`` on the hub's timeline); False (nothing
        sent) when the subscriber cannot take it."""
        if not self.ready:
            return False
        target = self._socket()
        if target is None:
            self.dropped_packets += 1
            return False
        transport, address = target
        if timestamp != self._frame_timestamp:
            self._new_frame(timestamp)
        sender = self._sender
        out = (sequence + self._offset) & 0xFFFF
        data = _RTP_HEADER.pack(self._first | (0x20 if padded else 0), (0x80 if marker else 0) | self._payload_type,
                                out, self._rtp_timestamp, sender._ssrc) + self._extension + payload
        self._history[out % RTP_HISTORY_SIZE] = data
        transport.sendto(sender.transport._tx_srtp.protect(data), address)
        if (out - self._sequence) & 0xFFFF < 0x8000:  # not a late retransmission
            self._sequence = (out + 1) & 0xFFFF
        self.packets += 1
        self.octets += len(payload)
        sender._RTCRtpSender__packet_count = self.packets  # type: ignore[attr-defined]  # for sender reports
        sender._RTCRtpSender__octet_count = self.octets  # type: ignore[attr-defined]
        return True

    def _new_frame(self, timestamp: int) -> None:
        """Header fields shared by a frame's packets: RTP timestamp, mid and abs-send-time."""
        ntp = int((time.time() + NTP_UNIX_OFFSET) * 4294967296.0)
        profile, value = self._extensions.set(HeaderExtensions(mid=self._mid, abs_send_time=(ntp >> 14) & 0x00FFFFFF))
        self._first = RTP_VERSION_BITS | (RTP_EXTENSION_BIT if value else 0)
        self._extension = _EXTENSION_HEADER.pack(profile, len(value) >> 2) + value if value else b""
        self._frame_timestamp = timestamp
        self._rtp_timestamp = (self._timestamp_origin + timestamp) & 0xFFFFFFFF
        sender = self._sender
        sender._RTCRtpSender__ntp_timestamp = ntp  # type: ignore[attr-defined]
        sender._RTCRtpSender__rtp_timestamp = self._rtp_timestamp  # type: ignore[attr-defined]

    async def retransmit(self, sequence_number: int) -> None:
        """Answer a NACK from the history, on the RTX stream when one was negotiated."""
        data = self._history.get(sequence_number % RTP_HISTORY_SIZE)
        if data is None or _RTP_HEADER.unpack_from(data)[2] != sequence_number or not self.ready:
            return
        sender = self._sender
        rtx_payload_type = sender._RTCRtpSender__rtx_payload_type  # type: ignore[attr-defined]
        if rtx_payload_type is not None:
            packet = RtpPacket.parse(data, self._extensions)
            rtx_sequence = sender._RTCRtpSender__rtx_sequence_number  # type: ignore[attr-defined]
            packet = wrap_rtx(packet, payload_type=rtx_payload_type, sequence_number=rtx_sequence,
                              ssrc=sender._rtx_ssrc)
            sender._RTCRtpSender__rtx_sequence_number = (rtx_sequence + 1) & 0xFFFF  # type: ignore[attr-defined]
            data = packet.serialize(self._extensions)
        with contextlib.suppress(ConnectionError):  # the subscriber left meanwhile
            await sender.transport._send_rtp(data)


def send_directly(sender: RTCRtpSender, on_ready: Callable[[], None] | None = None) -> DirectRtpWriter:
    """Take over ``sender``'s RTP with a :class:`DirectRtpWriter` (before the connection starts:
    aiortc calls ``_run_rtp`` from ``send()`` once DTLS is up). ``on_ready`` runs then."""
    return DirectRtpWriter(sender, on_ready)


# ---- inbound fast path --------------------------------------------------------------------


class InlineForwarder:
    """Stands in for a receiver's decoder queue (``RTCRtpReceiver.__decoder_queue``): each frame the
    jitter buffer completes is turned into an ``av.Packet`` and put on the track's queue at once,
    on the event loop, instead of crossing to the decoder thread and back (a futex wake, a GIL
    hand-over and a self-pipe write per frame).

    aiortc's worker thread still runs (the receiver starts and joins it): ``get`` hands it the
    original queue, which only ever carries the ``None`` that stops it and so ends the track.
    """

    def __init__(self, original: queue.Queue[Any], output: asyncio.Queue[Any]) -> None:
        self._original = original
        self._output = output
        self.sink: Callable[[av.Packet], None] | None = None  # see set_frame_sink()
        self.packet_sink: PacketSink | None = None  # see set_packet_sink()
        self.frames_wanted = True  # see want_frames()
        self.frames = 0

    def put(self, item: Any) -> None:
        if item is None:
            self._original.put(None)
            return
        codec, encoded_frame = item
        self.frames += 1
        COUNTERS.frames_inline += 1
        packet = forwarded_packet(codec, encoded_frame)
        if self.sink is not None:
            self.sink(packet)
        else:
            self._output.put_nowait(packet)

    def get(self) -> Any:
        return self._original.get()


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


PacketSink = Callable[[int, int, bool, bytes, bool], None]
"""Receives each inbound media packet: (sequence number, RTP timestamp, marker, payload with any
padding, padding bit). RTX retransmissions arrive unwrapped, with the original sequence number."""


class _SequenceAndTimestamp:
    """What aiortc's ``StreamStatistics.add`` and ``NackGenerator.add`` read of a packet."""

    __slots__ = ("sequence_number", "timestamp")

    def __init__(self, sequence_number: int, timestamp: int) -> None:
        self.sequence_number = sequence_number
        self.timestamp = timestamp


def _payload_offset(plain: bytes, first_byte: int) -> int:
    """Where the payload of an RTP packet starts (after CSRCs and header extension)."""
    offset = 12 + 4 * (first_byte & 0x0F)
    if first_byte & RTP_EXTENSION_BIT:
        offset += 4 + 4 * int.from_bytes(plain[offset + 2:offset + 4], "big")
    return offset


def _abs_send_time(plain: bytes, first_byte: int, extension_id: int) -> int | None:
    """The abs-send-time value of a one-byte-header extension block (RFC 8285), if present."""
    if not first_byte & RTP_EXTENSION_BIT or not extension_id:
        return None
    start = 12 + 4 * (first_byte & 0x0F)
    if plain[start:start + 2] != b"\xbe\xde":
        return None
    index = start + 4
    end = min(index + 4 * int.from_bytes(plain[start + 2:start + 4], "big"), len(plain))
    while index < end:
        element = plain[index]
        if element == 0:  # padding byte
            index += 1
            continue
        length = (element & 0x0F) + 1
        if element >> 4 == extension_id and length == 3:
            return int.from_bytes(plain[index + 1:index + 4], "big")
        index += 1 + length
    return None


class _JitterPacket:
    """What aiortc's jitter buffer (and our :class:`ForwardingJitterBuffer`) read of a packet."""

    __slots__ = ("_data", "marker", "sequence_number", "timestamp")

    def __init__(self, sequence_number: int, timestamp: int, marker: bool, data: bytes) -> None:
        self.sequence_number = sequence_number
        self.timestamp = timestamp
        self.marker = marker
        self._data = data


class _MediaRoute:
    """The inbound path of one publisher ssrc (a media stream or its RTX stream) once a packet sink
    is set on its receiver (:func:`set_packet_sink`).

    A media packet updates aiortc's own receive statistics (for receiver reports), NACK generator
    and bitrate estimator of that receiver, and goes to the sink as bytes (RTX unwrapped): no
    ``RtpPacket``, no header-extension parsing, no routing. Only while frames are wanted (a
    recording, the live HLS) is it also depayloaded into the receiver's jitter buffer, whose
    complete frames go to the decoder queue, as ``_handle_rtp_packet`` would do.
    """

    __slots__ = (
        "abs_send_time_id",
        "active",
        "dtls",
        "estimator",
        "forwarder",
        "media_codec",
        "media_ssrc",
        "nack",
        "payload_type",
        "receiver",
        "rtx",
        "ssrc",
        "stats",
    )

    def __init__(self, receiver: RTCRtpReceiver, forwarder: InlineForwarder, ssrc: int,
                 payload_type: int, rtx: bool) -> None:
        self.receiver = receiver
        self.forwarder = forwarder
        self.dtls = receiver.transport
        self.ssrc = ssrc
        self.payload_type = payload_type
        self.rtx = rtx
        codecs = receiver._RTCRtpReceiver__codecs  # type: ignore[attr-defined]
        codec = codecs[payload_type]
        # what the packets carry (for RTX: the retransmitted stream's codec and ssrc)
        self.media_codec = codecs.get(codec.parameters.get("apt"), codec) if rtx else codec
        self.media_ssrc = receiver._RTCRtpReceiver__rtx_ssrc.get(ssrc, ssrc) if rtx else ssrc  # type: ignore[attr-defined]
        streams = receiver._RTCRtpReceiver__remote_streams  # type: ignore[attr-defined]
        self.stats = streams.setdefault(ssrc, aiortc_receiver.StreamStatistics(codec.clockRate))
        self.nack = receiver._RTCRtpReceiver__nack_generator  # type: ignore[attr-defined]
        self.estimator = receiver._RTCRtpReceiver__remote_bitrate_estimator  # type: ignore[attr-defined]
        ids = self.dtls._rtp_header_extensions_map._HeaderExtensionsMap__ids  # type: ignore[attr-defined]
        self.abs_send_time_id = ids.abs_send_time or 0
        self.active: dict[int, Any] = receiver._RTCRtpReceiver__active_ssrc  # type: ignore[attr-defined]

    @classmethod
    def discover(cls, receiver: Any, packet: RtpPacket) -> _MediaRoute | None:
        forwarder = getattr(receiver, "_RTCRtpReceiver__decoder_queue", None)
        if not isinstance(forwarder, InlineForwarder) or forwarder.packet_sink is None:
            return None
        codec = receiver._RTCRtpReceiver__codecs.get(packet.payload_type)
        if codec is None:
            return None
        rtx = aiortc_codecs.is_rtx(codec)
        if rtx and packet.ssrc not in receiver._RTCRtpReceiver__rtx_ssrc:
            return None
        return cls(receiver, forwarder, packet.ssrc, packet.payload_type, rtx)

    def handle(self, plain: bytes) -> None:
        first, second, sequence, timestamp, _ = _RTP_FIXED.unpack_from(plain)
        forwarder = self.forwarder
        sink = forwarder.packet_sink
        if sink is None or second & 0x7F != self.payload_type:
            self._through_aiortc(plain)
            return
        receiver = self.receiver
        if not receiver._enabled:
            return
        offset = _payload_offset(plain, first)
        if offset > len(plain):
            return
        if self.estimator is not None and self.abs_send_time_id:
            self._estimate_bitrate(plain, first, offset)
        probe = _SequenceAndTimestamp(sequence, timestamp)
        self.stats.add(probe)  # of this stream (the RTX stream has its own, as in aiortc)
        padded = bool(first & 0x20)
        if self.rtx:  # RFC 4588: the original sequence number, then the original payload
            if len(plain) - offset - (plain[-1] if padded else 0) < 2:
                return  # padding only (bandwidth probing), not a retransmission
            probe.sequence_number = sequence = int.from_bytes(plain[offset:offset + 2], "big")
            offset += 2
        nack = self.nack
        if nack is not None and nack.add(probe):  # (a NACK names the media stream, RTX or not)
            run_now(receiver._send_rtcp_nack(self.media_ssrc, sorted(nack.missing)))
        if second & 0x80 or not sequence & 0x1F:  # once a frame (audio: every 32 packets) is enough
            self.active[self.ssrc] = aiortc_clock.current_datetime()
        payload = plain[offset:]
        sink(sequence, timestamp, bool(second & 0x80), payload, padded)
        if forwarder.frames_wanted:
            self._reassemble(sequence, timestamp, bool(second & 0x80), payload, padded)

    def _reassemble(self, sequence: int, timestamp: int, marker: bool, payload: bytes, padded: bool) -> None:
        """The rest of ``_handle_rtp_packet`` for a wanted frame: depayload, jitter buffer (PLI if
        it lost track), the complete frame to the decoder queue (our InlineForwarder)."""
        if padded and payload:
            payload = payload[:max(len(payload) - payload[-1], 0)]
        try:
            data = aiortc_receiver.depayload(self.media_codec, payload) if payload else b""
        except ValueError:
            return
        receiver = self.receiver
        pli, frame = receiver._RTCRtpReceiver__jitter_buffer.add(  # type: ignore[attr-defined]
            _JitterPacket(sequence, timestamp, marker, data))
        if pli and self.media_codec.mimeType.lower().startswith("video/"):
            run_now(receiver._send_rtcp_pli(self.media_ssrc))
        if frame is not None and receiver._RTCRtpReceiver__decoder_thread:  # type: ignore[attr-defined]
            self.forwarder.put((self.media_codec, frame))  # timestamps stay raw (see set_packet_sink)

    def _through_aiortc(self, plain: bytes) -> None:
        """aiortc's own handling, for a packet the route does not forward (no sink yet, or a payload
        type other than the route's)."""
        try:
            packet = RtpPacket.parse(plain, self.dtls._rtp_header_extensions_map)
        except ValueError:
            return
        run_now(self.receiver._handle_rtp_packet(packet, arrival_time_ms=_arrival_ms()))

    def _estimate_bitrate(self, plain: bytes, first: int, offset: int) -> None:
        """aiortc's receiver-side bandwidth estimate (REMB), fed as ``_handle_rtp_packet`` feeds it."""
        abs_send_time = _abs_send_time(plain, first, self.abs_send_time_id)
        if abs_send_time is None:
            return
        assert self.estimator is not None
        remb = self.estimator.add(abs_send_time=abs_send_time, arrival_time_ms=_arrival_ms(),
                                  payload_size=len(plain) - offset, ssrc=self.ssrc)
        rtcp_ssrc = self.receiver._RTCRtpReceiver__rtcp_ssrc  # type: ignore[attr-defined]
        if rtcp_ssrc is not None and remb is not None:
            feedback = RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=rtcp_ssrc, media_ssrc=0, fci=pack_remb_fci(*remb))
            run_now(self.receiver._send_rtcp(feedback))


def _arrival_ms() -> int:
    return int((time.time() + NTP_UNIX_OFFSET) * 1000)  # aiortc's clock.current_ms()


def _routes_of(dtls: RTCDtlsTransport) -> dict[bytes, _MediaRoute]:
    routes: dict[bytes, _MediaRoute] = vars(dtls).setdefault("_tingke_media_routes", {})
    return routes


def _handle_srtp(dtls: RTCDtlsTransport, data: bytes, routes: dict[bytes, _MediaRoute]) -> None:
    """``RTCDtlsTransport._recv_next``'s SRTP/SRTCP branch, called synchronously; media packets of
    an ssrc with a route skip aiortc's parsing and routing (see :class:`_MediaRoute`)."""
    dtls._RTCDtlsTransport__rx_bytes += len(data)  # type: ignore[attr-defined]
    dtls._RTCDtlsTransport__rx_packets += 1  # type: ignore[attr-defined]
    COUNTERS.datagrams_inline += 1
    try:
        if is_rtcp(data):
            run_now(dtls._handle_rtcp_data(dtls._rx_srtp.unprotect_rtcp(data)))
            return
        plain = dtls._rx_srtp.unprotect(data)
        if len(plain) < 12:
            return
        route = routes.get(plain[8:12])
        if route is not None:
            COUNTERS.packets_routed += 1
            route.handle(plain)
            return
        try:
            packet = RtpPacket.parse(plain, dtls._rtp_header_extensions_map)
        except ValueError:
            return
        receiver = dtls._rtp_router.route_rtp(packet)
        if receiver is None:
            return
        route = _MediaRoute.discover(receiver, packet)
        if route is not None:
            routes[plain[8:12]] = route
            route.handle(plain)
        else:
            run_now(receiver._handle_rtp_packet(packet, arrival_time_ms=_arrival_ms()))
    except pylibsrtp.Error as exc:
        log.debug("SRTP unprotect failed: %s", exc)
    except Exception:  # aiortc's receive loop would have died here; keep serving the next packet
        log.exception("inbound RTP/RTCP handling failed")


def deliver_datagrams_inline(dtls: RTCDtlsTransport) -> None:
    """Hand ``dtls``'s SRTP/SRTCP datagrams to aiortc's RTP/RTCP handlers as they arrive.

    aioice tries to parse every datagram as STUN, then puts it on an ``asyncio.Queue`` that the
    DTLS transport's receive loop (a task) awaits: a failed parse, a task wake-up and three awaited
    layers per packet. Once DTLS is connected and SRTP keyed, a datagram whose first byte is
    RTP/RTCP's (128-191; STUN's is 0-3, DTLS's 20-63) goes straight from the socket's protocol
    (``StunProtocol.datagram_received``, replaced on this connection's sockets) to the handlers.
    DTLS records (shutdown alerts, data channels), STUN and anything before keying take aioice's
    path as before, and closing the connection still ends aiortc's loop. Sockets bound after this
    call (call it after ``setLocalDescription``, which gathers) still skip the queue, through
    ``Connection.data_received``.
    """
    connection = dtls.transport._connection
    routes = _routes_of(dtls)
    if "data_received" not in vars(connection):  # not yet installed (bundled transceivers share it)
        # sockets bound later (candidates gathered after this call) skip the STUN parse only
        connection.data_received = _srtp_first(dtls, routes, connection.data_received)  # type: ignore[method-assign,assignment]
    for protocol in connection._protocols:
        if "datagram_received" not in vars(protocol):
            protocol.datagram_received = _srtp_first(dtls, routes, protocol.datagram_received)  # type: ignore[method-assign,assignment]


def _srtp_first(dtls: RTCDtlsTransport, routes: dict[bytes, _MediaRoute],
                aioice_path: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    def datagram_received(data: Any, addr: Any) -> None:
        if data and 127 < data[0] < 192 and dtls._rx_srtp is not None and dtls._state is DtlsState.CONNECTED:
            _handle_srtp(dtls, data, routes)
        else:
            aioice_path(data, addr)

    return datagram_received


def receive_directly(receiver: RTCRtpReceiver) -> InlineForwarder:
    """Forward ``receiver``'s frames inline (:class:`InlineForwarder`) and its transport's packets
    without aiortc's per-packet queue (:func:`deliver_datagrams_inline`).

    Call after the answer (the remote track exists) and before media flows; forwarding must be
    installed (:func:`install_forwarding`).
    """
    if not forwarding_installed():
        raise RuntimeError("receive_directly() needs install_forwarding() first")
    current = receiver._RTCRtpReceiver__decoder_queue  # type: ignore[attr-defined]
    if isinstance(current, InlineForwarder):
        return current
    forwarder = InlineForwarder(current, receiver._track._queue)  # type: ignore[union-attr]
    receiver._RTCRtpReceiver__decoder_queue = forwarder  # type: ignore[attr-defined]
    deliver_datagrams_inline(receiver.transport)
    return forwarder


def set_frame_sink(receiver: Any, sink: Callable[[av.Packet], None] | None) -> bool:
    """Have ``receiver``'s frames (if it was set up by :func:`receive_directly`) handed to ``sink``
    as they complete, on the event loop, instead of queued for ``track.recv()`` (which then only
    signals the end of the track). False when the receiver forwards through its track only."""
    forwarder = getattr(receiver, "_RTCRtpReceiver__decoder_queue", None)
    if not isinstance(forwarder, InlineForwarder):
        return False
    forwarder.sink = sink
    return True


class _RawTimestamps:
    """Stands in for a receiver's ``TimestampMapper``: frames keep the RTP timestamps their packets
    carried, so the hub maps packets and frames onto one timeline itself."""

    def map(self, timestamp: int) -> int:
        return timestamp


def set_packet_sink(receiver: Any, sink: PacketSink | None) -> bool:
    """Hand each media packet ``receiver`` gets (if it was set up by :func:`receive_directly`) to
    ``sink`` as it arrives (see :data:`PacketSink`); from then on its frames, if wanted, carry raw
    RTP timestamps as pts. False when the receiver forwards through its track only."""
    forwarder = getattr(receiver, "_RTCRtpReceiver__decoder_queue", None)
    if not isinstance(forwarder, InlineForwarder):
        return False
    forwarder.packet_sink = sink
    receiver._RTCRtpReceiver__timestamp_mapper = _RawTimestamps()
    return True


def want_frames(receiver: Any, wanted: bool) -> None:
    """Whether ``receiver``'s packets must also be reassembled into frames (for the recorder and the
    live HLS); without, packets with a sink skip aiortc's jitter buffer and depayloading."""
    forwarder = getattr(receiver, "_RTCRtpReceiver__decoder_queue", None)
    if not isinstance(forwarder, InlineForwarder) or forwarder.frames_wanted == wanted:
        return
    forwarder.frames_wanted = wanted
    jitter_buffer = receiver._RTCRtpReceiver__jitter_buffer
    if wanted and isinstance(jitter_buffer, ForwardingJitterBuffer):
        jitter_buffer.reset()  # whatever it holds is from before the pause

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


def reuse_certificates(pc: RTCPeerConnection, previous: RTCPeerConnection) -> None:
    """Give a new, not yet negotiated ``pc`` the DTLS certificate of ``previous`` (aiortc has no
    ``certificates`` option in RTCConfiguration): an ICE restart answered by a new connection keeps the
    fingerprint the client already trusts. Call before adding transceivers."""
    attribute = "_RTCPeerConnection__certificates"
    setattr(pc, attribute, list(getattr(previous, attribute)))
