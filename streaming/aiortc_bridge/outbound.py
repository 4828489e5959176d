"""Subscribers' RTP, written synchronously from the hub in place of aiortc's sender loop.

aiortc's ``RTCRtpSender._run_rtp`` costs a task wake-up per frame and an ``RtpPacket`` object, a
header serialisation and three awaited layers (DTLS, ICE, aioice) per packet, for every subscriber:
it was most of the relay's CPU. :class:`DirectRtpWriter` sends each publisher packet's payload under
the subscriber's own header instead; aiortc keeps RTCP.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from typing import Any

from aioice.ice import StunProtocol
from aiortc import RTCRtpSender
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RTP_HISTORY_SIZE, HeaderExtensions, RtpPacket, wrap_rtx

from streaming.rtp_bytes import (
    EXTENSION_BIT,
    EXTENSION_HEADER,
    HALF_SEQUENCE_SPACE,
    HEADER,
    MARKER_BIT,
    PADDING_BIT,
    SEQUENCE_MASK,
    TIMESTAMP_MASK,
    VERSION_2,
    ntp_now,
)

SEND_BUFFER_LIMIT = 256 * 1024  # bytes queued in the subscriber's socket transport before we drop
PLAIN_SEND_DATA = StunProtocol.send_data  # a host/srflx pair: send_data is a bare sendto


class DirectRtpWriter:
    """A subscriber's RTP, written synchronously from the hub in place of ``RTCRtpSender._run_rtp``.

    Each publisher packet's payload gets this subscriber's header built with ``struct`` (its own
    ssrc, sequence numbers at a fixed distance from the publisher's, timestamps on the hub's
    timeline), is protected with the subscriber's SRTP session and handed to its UDP transport,
    without awaiting. RTCP stays aiortc's: the sender's report counters are updated, NACKs are
    answered from our own history (:meth:`retransmit`), PLIs go to the publisher (see
    :func:`~streaming.aiortc_bridge.keyframes.redirect_keyframe_requests`).
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
        self._first = VERSION_2
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
        if pair is None or type(pair.protocol).send_data is not PLAIN_SEND_DATA:
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
        self._offset = (self._sequence - sequence) & SEQUENCE_MASK

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
        out = (sequence + self._offset) & SEQUENCE_MASK
        data = HEADER.pack(self._first | (PADDING_BIT if padded else 0),
                           (MARKER_BIT if marker else 0) | self._payload_type,
                           out, self._rtp_timestamp, sender._ssrc) + self._extension + payload
        self._history[out % RTP_HISTORY_SIZE] = data
        transport.sendto(sender.transport._tx_srtp.protect(data), address)
        if (out - self._sequence) & SEQUENCE_MASK < HALF_SEQUENCE_SPACE:  # not a late retransmission
            self._sequence = (out + 1) & SEQUENCE_MASK
        self.packets += 1
        self.octets += len(payload)
        sender._RTCRtpSender__packet_count = self.packets  # type: ignore[attr-defined]  # for sender reports
        sender._RTCRtpSender__octet_count = self.octets  # type: ignore[attr-defined]
        return True

    def _new_frame(self, timestamp: int) -> None:
        """Header fields shared by a frame's packets: RTP timestamp, mid and abs-send-time."""
        ntp = ntp_now()
        profile, value = self._extensions.set(HeaderExtensions(mid=self._mid, abs_send_time=(ntp >> 14) & 0x00FFFFFF))
        self._first = VERSION_2 | (EXTENSION_BIT if value else 0)
        self._extension = EXTENSION_HEADER.pack(profile, len(value) >> 2) + value if value else b""
        self._frame_timestamp = timestamp
        self._rtp_timestamp = (self._timestamp_origin + timestamp) & TIMESTAMP_MASK
        sender = self._sender
        sender._RTCRtpSender__ntp_timestamp = ntp  # type: ignore[attr-defined]
        sender._RTCRtpSender__rtp_timestamp = self._rtp_timestamp  # type: ignore[attr-defined]

    async def retransmit(self, sequence_number: int) -> None:
        """Answer a NACK from the history, on the RTX stream when one was negotiated."""
        data = self._history.get(sequence_number % RTP_HISTORY_SIZE)
        if data is None or HEADER.unpack_from(data)[2] != sequence_number or not self.ready:
            return
        sender = self._sender
        rtx_payload_type = sender._RTCRtpSender__rtx_payload_type  # type: ignore[attr-defined]
        if rtx_payload_type is not None:
            packet = RtpPacket.parse(data, self._extensions)
            rtx_sequence = sender._RTCRtpSender__rtx_sequence_number  # type: ignore[attr-defined]
            packet = wrap_rtx(packet, payload_type=rtx_payload_type, sequence_number=rtx_sequence,
                              ssrc=sender._rtx_ssrc)
            sender._RTCRtpSender__rtx_sequence_number = (rtx_sequence + 1) & SEQUENCE_MASK  # type: ignore[attr-defined]
            data = packet.serialize(self._extensions)
        with contextlib.suppress(ConnectionError):  # the subscriber left meanwhile
            await sender.transport._send_rtp(data)


def send_directly(sender: RTCRtpSender, on_ready: Callable[[], None] | None = None) -> DirectRtpWriter:
    """Take over ``sender``'s RTP with a :class:`DirectRtpWriter` (before the connection starts:
    aiortc calls ``_run_rtp`` from ``send()`` once DTLS is up). ``on_ready`` runs then."""
    return DirectRtpWriter(sender, on_ready)
