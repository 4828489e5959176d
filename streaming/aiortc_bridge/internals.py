"""The one list of aiortc's (and aioice's) internals the relay relies on, and the version they were read from.

aiortc is pinned exactly (pyproject.toml). The modules of this package reach these names directly
(the inbound and outbound paths run once per packet, so no accessor layer), but only names listed
here: ``tests/streaming/test_aiortc_bridge.py`` fails when a module of the package uses a private
name missing from :data:`PRIVATE_NAMES`, or when an aiortc upgrade moves one that is listed.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiortc

SUPPORTED_AIORTC = "1.16.0"


@dataclass(frozen=True)
class Internal:
    """Names of one aiortc/aioice class or module that the relay reads, writes or replaces."""

    owner: str  # dotted path of the class or module
    names: tuple[str, ...]  # as spelled in the owner's source (``__x`` for a name-mangled attribute)
    where: tuple[str, ...]  # the modules of this package that use them
    why: str


PRIVATE_NAMES: tuple[Internal, ...] = (
    Internal("aiortc.rtcrtpreceiver", ("decoder_worker", "JitterBuffer", "get_decoder"), ("forwarding", "counters"),
             "receivers are built by the peer connection, so a subclass is unreachable: the module attributes "
             "they look up at start are swapped (forward instead of decode, release frames at once, count decoders)"),
    Internal("aiortc.rtcrtpreceiver", ("depayload", "StreamStatistics"), ("media_route",),
             "the per-packet route keeps the receiver's own statistics and depayloads as _handle_rtp_packet does"),
    Internal("aiortc.codecs", ("get_decoder", "CODECS", "is_rtx"), ("counters", "codecs", "media_route"),
             "the decoder factory (counted), the codecs aiortc can carry, RTX detection"),
    Internal("aiortc.rtcpeerconnection", ("is_codec_compatible",), ("codecs",),
             "whether an offered codec can carry a hub's bitstream, as aiortc itself decides it"),
    Internal("aiortc.clock", ("current_datetime",), ("media_route",),
             "the receiver's 'last seen' time of an ssrc, on aiortc's clock"),
    Internal("aiortc.jitterbuffer.JitterBuffer",
             ("_packets", "_origin", "_capacity", "_is_video", "_remove_frame", "remove", "_data"),
             ("jitterbuffer",),
             "aiortc releases a video frame one frame late and holds audio 80 ms; the forwarding buffer "
             "overrides _remove_frame to release a frame at its marker bit (subscribers smooth themselves)"),
    Internal("aiortc.rtcrtpreceiver.RTCRtpReceiver",
             ("__rtx_ssrc", "_send_rtcp_pli"), ("keyframes",),
             "a keyframe request must name the publisher's MEDIA ssrc: Chromium ignores a PLI sent to its RTX ssrc"),
    Internal("aiortc.rtcrtpreceiver.RTCRtpReceiver",
             ("__decoder_queue", "_track", "__timestamp_mapper", "__jitter_buffer"), ("inbound", "inline_forwarder"),
             "frames cross to the track's queue (or the hub) on the event loop instead of the decoder thread; "
             "frames keep raw RTP timestamps; a paused jitter buffer is reset"),
    Internal("aiortc.rtcrtpreceiver.RTCRtpReceiver",
             ("__codecs", "__rtx_ssrc", "__remote_streams", "__nack_generator", "__remote_bitrate_estimator",
              "__active_ssrc", "__rtcp_ssrc", "__jitter_buffer", "__decoder_thread", "_enabled", "_send_rtcp_nack",
              "_send_rtcp_pli", "_send_rtcp", "_handle_rtp_packet"), ("media_route",),
             "a media packet skips aiortc's parsing, routing and jitter buffer but keeps the receiver's "
             "statistics, NACKs and bandwidth estimate up to date, as _handle_rtp_packet would"),
    Internal("aiortc.rtcrtpreceiver.RemoteStreamTrack", ("_queue",), ("inbound",),
             "where track.recv() reads the frames the inline forwarder hands on"),
    Internal("aiortc.rtcrtpsender.RTCRtpSender", ("_send_keyframe",), ("keyframes",),
             "a subscriber's PLI/FIR lands here and would only flag an encoder: it must go on to the publisher"),
    Internal("aiortc.rtcrtpsender.RTCRtpSender",
             ("_run_rtp", "_retransmit", "__mid", "__rtp_header_extensions_map", "__rtp_started", "__rtp_exited",
              "__packet_count", "__octet_count", "__ntp_timestamp", "__rtp_timestamp", "__rtx_payload_type",
              "__rtx_sequence_number", "_rtx_ssrc", "_ssrc"), ("outbound",),
             "aiortc's sender loop costs a task wake-up per frame and three awaited layers per packet, per "
             "subscriber (it was most of the relay's CPU): the direct writer replaces it and keeps the state "
             "aiortc's RTCP (sender reports, NACK answers on RTX) reads"),
    Internal("aiortc.rtcrtpsender.RTCRtpSender", ("__packet_count", "__octet_count"), ("counters",),
             "cheap /stats counters (getStats() is a coroutine that builds a whole report)"),
    Internal("aiortc.rtcrtptransceiver.RTCRtpTransceiver", ("_codecs",), ("codecs",),
             "the codec negotiated with the publisher, which each subscriber is restricted to before its answer"),
    Internal("aiortc.rtcdtlstransport.RTCDtlsTransport", ("_state", "_tx_srtp", "_send_rtp"), ("outbound",),
             "the direct writer protects and sends on the subscriber's SRTP session itself"),
    Internal("aiortc.rtcdtlstransport.RTCDtlsTransport",
             ("_state", "_rx_srtp", "__rx_bytes", "__rx_packets", "_handle_rtcp_data", "_rtp_header_extensions_map",
              "_rtp_router"), ("datagrams",),
             "SRTP/SRTCP datagrams enter the transport's own SRTP branch synchronously, past aioice's queue"),
    Internal("aiortc.rtcdtlstransport.RTCDtlsTransport", ("_rtp_header_extensions_map",), ("media_route",),
             "the abs-send-time extension id, for the bandwidth estimate"),
    Internal("aiortc.rtp.HeaderExtensionsMap", ("__ids",), ("media_route",),
             "the negotiated header-extension ids (the map has no public reader)"),
    Internal("aiortc.rtcicetransport.RTCIceTransport", ("_connection",), ("outbound", "datagrams"),
             "aioice's connection behind the ICE transport: its nominated pair and sockets"),
    Internal("aioice.ice.Connection", ("_nominated", "_protocols", "data_received"), ("outbound", "datagrams"),
             "the nominated pair's socket (direct writes) and every socket's protocol (direct reads)"),
    Internal("aioice.ice.StunProtocol", ("send_data", "datagram_received"), ("outbound", "datagrams"),
             "a host/srflx pair's send_data is a bare sendto (a TURN pair's is not); datagrams are taken "
             "from the socket before aioice parses them as STUN"),
    Internal("aiortc.rtcpeerconnection.RTCPeerConnection", ("__certificates",), ("certificates",),
             "an ICE restart answered by a new connection keeps the DTLS fingerprint the client trusts "
             "(aiortc has no certificates option)"),
)


def check_aiortc_version() -> None:
    """Refuse to run on an aiortc whose internals were not checked against :data:`PRIVATE_NAMES`."""
    if aiortc.__version__ != SUPPORTED_AIORTC:
        raise RuntimeError(
            f"streaming.aiortc_bridge supports aiortc {SUPPORTED_AIORTC}, found {aiortc.__version__}; "
            "re-check streaming/aiortc_bridge/internals.py and run tests/streaming/test_aiortc_bridge.py"
        )
