"""One publisher ssrc's packets, handed on as bytes past aiortc's per-packet RTP handling.

Once the hub set a packet sink on a receiver, aiortc's RTP parsing, routing, depayloading and
jitter buffer are skipped unless frames are wanted; the receiver's own statistics, NACK generator
and bandwidth estimator are kept up to date as ``RTCRtpReceiver._handle_rtp_packet`` would.
"""

from __future__ import annotations

from typing import Any

import aiortc.clock as aiortc_clock
import aiortc.codecs as aiortc_codecs
import aiortc.rtcrtpreceiver as aiortc_receiver
from aiortc import RTCRtpReceiver
from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, RtpPacket, pack_remb_fci

from streaming.aiortc_bridge.coroutines import run_now
from streaming.aiortc_bridge.inline_forwarder import InlineForwarder, inline_forwarder
from streaming.aiortc_bridge.jitterbuffer import JitterPacket
from streaming.rtp_bytes import HEADER, MARKER_BIT, PADDING_BIT, PAYLOAD_TYPE, abs_send_time, ntp_now_ms, payload_offset

ACTIVE_EVERY = 0x1F  # without a marker bit (audio), an ssrc is marked active every 32 packets


class _SequenceAndTimestamp:
    """What aiortc's ``StreamStatistics.add`` and ``NackGenerator.add`` read of a packet."""

    __slots__ = ("sequence_number", "timestamp")

    def __init__(self, sequence_number: int, timestamp: int) -> None:
        self.sequence_number = sequence_number
        self.timestamp = timestamp


class MediaRoute:
    """The inbound path of one publisher ssrc (a media stream or its RTX stream) once a packet sink
    is set on its receiver (:func:`~streaming.aiortc_bridge.inbound.set_packet_sink`).

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
    def discover(cls, receiver: Any, packet: RtpPacket) -> MediaRoute | None:
        """The route for ``packet``'s ssrc, or None while the receiver has no packet sink (or the
        packet is not one of its media or signalled RTX streams)."""
        forwarder = inline_forwarder(receiver)
        if forwarder is None or forwarder.packet_sink is None:
            return None
        codec = receiver._RTCRtpReceiver__codecs.get(packet.payload_type)
        if codec is None:
            return None
        rtx = aiortc_codecs.is_rtx(codec)
        if rtx and packet.ssrc not in receiver._RTCRtpReceiver__rtx_ssrc:
            return None
        return cls(receiver, forwarder, packet.ssrc, packet.payload_type, rtx)

    def handle(self, plain: bytes) -> None:
        """One decrypted RTP packet of this ssrc."""
        first, second, sequence, timestamp, _ = HEADER.unpack_from(plain)
        forwarder = self.forwarder
        sink = forwarder.packet_sink
        if sink is None or second & PAYLOAD_TYPE != self.payload_type:
            self._through_aiortc(plain)
            return
        receiver = self.receiver
        if not receiver._enabled:
            return
        offset = payload_offset(plain, first)
        if offset > len(plain):
            return
        if self.estimator is not None and self.abs_send_time_id:
            self._estimate_bitrate(plain, first, offset)
        probe = _SequenceAndTimestamp(sequence, timestamp)
        self.stats.add(probe)  # of this stream (the RTX stream has its own, as in aiortc)
        padded = bool(first & PADDING_BIT)
        if self.rtx:  # RFC 4588: the original sequence number, then the original payload
            if len(plain) - offset - (plain[-1] if padded else 0) < 2:
                return  # padding only (bandwidth probing), not a retransmission
            probe.sequence_number = sequence = int.from_bytes(plain[offset:offset + 2], "big")
            offset += 2
        nack = self.nack
        if nack is not None and nack.add(probe):  # (a NACK names the media stream, RTX or not)
            run_now(receiver._send_rtcp_nack(self.media_ssrc, sorted(nack.missing)))
        marker = bool(second & MARKER_BIT)
        if marker or not sequence & ACTIVE_EVERY:  # once a frame (audio: every 32 packets) is enough
            self.active[self.ssrc] = aiortc_clock.current_datetime()
        payload = plain[offset:]
        sink(sequence, timestamp, marker, payload, padded)
        if forwarder.frames_wanted:
            self._reassemble(sequence, timestamp, marker, payload, padded)

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
            JitterPacket(sequence, timestamp, marker, data))
        if pli and self.media_codec.mimeType.lower().startswith("video/"):
            run_now(receiver._send_rtcp_pli(self.media_ssrc))
        if frame is not None and receiver._RTCRtpReceiver__decoder_thread:  # type: ignore[attr-defined]
            self.forwarder.put((self.media_codec, frame))  # timestamps stay raw (see inbound.set_packet_sink)

    def _through_aiortc(self, plain: bytes) -> None:
        """aiortc's own handling, for a packet the route does not forward (no sink yet, or a payload
        type other than the route's)."""
        try:
            packet = RtpPacket.parse(plain, self.dtls._rtp_header_extensions_map)
        except ValueError:
            return
        run_now(self.receiver._handle_rtp_packet(packet, arrival_time_ms=ntp_now_ms()))

    def _estimate_bitrate(self, plain: bytes, first: int, offset: int) -> None:
        """aiortc's receiver-side bandwidth estimate (REMB), fed as ``_handle_rtp_packet`` feeds it."""
        send_time = abs_send_time(plain, first, self.abs_send_time_id)
        if send_time is None:
            return
        assert self.estimator is not None
        remb = self.estimator.add(abs_send_time=send_time, arrival_time_ms=ntp_now_ms(),
                                  payload_size=len(plain) - offset, ssrc=self.ssrc)
        rtcp_ssrc = self.receiver._RTCRtpReceiver__rtcp_ssrc  # type: ignore[attr-defined]
        if rtcp_ssrc is not None and remb is not None:
            feedback = RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=rtcp_ssrc, media_ssrc=0, fci=pack_remb_fci(*remb))
            run_now(self.receiver._send_rtcp(feedback))
