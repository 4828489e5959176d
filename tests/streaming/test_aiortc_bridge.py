"""Fails loudly when an aiortc upgrade moves the internals streaming/aiortc_bridge.py relies on."""

from __future__ import annotations

import asyncio
import inspect

import aiortc
import aiortc.codecs as aiortc_codecs
import aiortc.rtcrtpreceiver as aiortc_receiver
import av
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver

from streaming import aiortc_bridge
from streaming.peers import StampedVideoTrack, prefer


def test_pinned_version():
    assert aiortc.__version__ == aiortc_bridge.SUPPORTED_AIORTC
    aiortc_bridge.check_aiortc_version()


def test_decoder_worker_is_module_level_and_resolved_at_call_time():
    # The receiver must start its thread with the module attribute, looked up when it starts.
    source = inspect.getsource(RTCRtpReceiver.receive)
    assert "target=decoder_worker" in source
    params = list(inspect.signature(aiortc_receiver.decoder_worker).parameters)
    assert params == list(inspect.signature(aiortc_bridge.forwarding_worker).parameters)
    assert "get_decoder(" in inspect.getsource(aiortc_receiver.decoder_worker)


def test_private_names_used_by_the_bridge_exist():
    assert hasattr(RTCRtpReceiver, "_send_rtcp_pli")
    assert "__rtx_ssrc" in inspect.getsource(RTCRtpReceiver.__init__)
    assert "self._send_keyframe()" in inspect.getsource(RTCRtpSender._handle_rtcp_packet)
    # DirectRtpWriter: send() starts self._run_rtp (looked up on the instance) once DTLS is up,
    # stop() waits for the RTP loop's started/exited events, sender reports read the counters,
    # NACKs call self._retransmit, RTX needs the payload type and sequence kept by the sender.
    send_source = inspect.getsource(RTCRtpSender.send)
    assert "self._run_rtp(parameters.codecs[0])" in send_source
    assert "self.__rtp_header_extensions_map.configure(parameters)" in send_source
    assert "self.__mid = parameters.muxId" in send_source
    assert "self.__rtp_started.wait()" in inspect.getsource(RTCRtpSender.stop)
    assert "self.__rtp_exited.wait()" in inspect.getsource(RTCRtpSender.stop)
    init_source = inspect.getsource(RTCRtpSender.__init__)
    for name in ("__ntp_timestamp", "__rtp_timestamp", "__packet_count", "__octet_count", "__rtx_payload_type",
                 "__rtx_sequence_number", "_rtx_ssrc", "_ssrc"):
        assert f"self.{name}" in init_source, name
    report_source = inspect.getsource(RTCRtpSender._run_rtcp)
    assert "self.__ntp_timestamp" in report_source and "self.__packet_count" in report_source
    assert "await self._retransmit(" in inspect.getsource(RTCRtpSender._handle_rtcp_packet)
    from aiortc.rtcdtlstransport import RTCDtlsTransport
    assert "self._tx_srtp" in inspect.getsource(RTCDtlsTransport)
    assert "allow_repeat_tx = True" in inspect.getsource(RTCDtlsTransport)
    from aioice.ice import Connection, StunProtocol
    assert "active_pair = self._nominated.get(component)" in inspect.getsource(Connection.sendto)
    assert "self.transport.sendto(data, addr)" in inspect.getsource(StunProtocol.send_data)
    assert "_codecs" in inspect.getsource(RTCRtpTransceiver.__init__)
    assert "local_addr=(address, 0)" in inspect.getsource(
        __import__("aioice.ice", fromlist=["Connection"]).Connection.get_component_candidates)
    from aiortc.rtcpeerconnection import filter_preferred_codecs, is_codec_compatible  # noqa: F401
    assert {c.mimeType for c in aiortc_bridge.forwardable_codecs("video")} == {"video/VP8", "video/H264"}
    assert [c.mimeType for c in aiortc_bridge.forwardable_codecs("audio")] == ["audio/opus"]


async def _pair(codec: str) -> tuple[RTCPeerConnection, RTCPeerConnection, list[object]]:
    sender_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    receiver_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    prefer(sender_pc.addTransceiver(StampedVideoTrack(160, 120, 30), direction="sendonly"), codec)
    received: list[object] = []
    receivers: list[RTCRtpReceiver] = []
    pulls: list[asyncio.Future[None]] = []

    @receiver_pc.on("track")
    def _on_track(track):
        receivers.append(next(t.receiver for t in receiver_pc.getTransceivers() if t.receiver.track is track))

        async def pull():
            while len(received) < 40:
                received.append(await track.recv())

        pulls.append(asyncio.ensure_future(pull()))

    await sender_pc.setLocalDescription(await sender_pc.createOffer())
    await receiver_pc.setRemoteDescription(sender_pc.localDescription)
    await receiver_pc.setLocalDescription(await receiver_pc.createAnswer())
    await sender_pc.setRemoteDescription(receiver_pc.localDescription)
    for _ in range(200):
        if len(received) >= 40:
            break
        await asyncio.sleep(0.05)
    received.append(receivers[0])
    return sender_pc, receiver_pc, received


@pytest.mark.parametrize("codec", ["video/H264", "video/VP8"])
async def test_forwarding_worker_yields_encoded_packets_and_pli_reaches_media_ssrc(codec):
    aiortc_bridge.install_forwarding()
    try:
        before = aiortc_bridge.COUNTERS.snapshot()
        sender_pc, receiver_pc, received = await _pair(codec)
        receiver = received.pop()
        assert isinstance(receiver, RTCRtpReceiver)
        packets = [p for p in received if isinstance(p, av.Packet)]
        assert len(packets) >= 40 and all(isinstance(p, av.Packet) for p in packets)
        assert packets[0].is_keyframe  # aiortc's encoders start with a keyframe
        after = aiortc_bridge.COUNTERS.snapshot()
        assert after["decoders_created"] == before["decoders_created"]
        assert after["frames_forwarded"] - before["frames_forwarded"] >= 40
        ssrcs = aiortc_bridge.media_ssrcs(receiver)
        sender_ssrc = sender_pc.getTransceivers()[0].sender._ssrc
        assert ssrcs == [sender_ssrc], "PLI must target the media ssrc, not RTX"
        assert await aiortc_bridge.send_pli(receiver) == 1
        negotiated = aiortc_bridge.negotiated_codec(receiver_pc.getTransceivers()[0])
        assert negotiated is not None and negotiated.mimeType == codec
        await sender_pc.close()
        await receiver_pc.close()
    finally:
        aiortc_bridge.uninstall_forwarding()


async def test_decode_counter_counts_when_aiortc_decodes():
    """The counter the relay reports as 0 does count real decoding (so 0 means something)."""
    aiortc_bridge.install_decode_counter()
    try:
        before = aiortc_bridge.COUNTERS.snapshot()
        sender_pc, receiver_pc, received = await _pair("video/VP8")
        received.pop()
        assert all(isinstance(f, av.VideoFrame) for f in received)
        after = aiortc_bridge.COUNTERS.snapshot()
        assert after["decoders_created"] > before["decoders_created"]
        assert after["frames_decoded"] - before["frames_decoded"] >= 40
        await sender_pc.close()
        await receiver_pc.close()
    finally:
        aiortc_bridge.uninstall_forwarding()
    assert aiortc_codecs.get_decoder is not None


async def test_keyframe_redirect_and_codec_restriction():
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    transceiver = pc.addTransceiver(StampedVideoTrack(), direction="sendonly")
    h264 = [c for c in aiortc_bridge.forwardable_codecs("video") if c.mimeType == "video/H264"][1]
    aiortc_bridge.restrict_codecs(transceiver, [h264])
    offer = await pc.createOffer()
    assert "H264" in offer.sdp and "VP8" not in offer.sdp
    profile = str(h264.parameters["profile-level-id"])
    assert profile in offer.sdp
    assert "42001f" not in offer.sdp.replace(profile, "")
    calls: list[int] = []
    aiortc_bridge.redirect_keyframe_requests(transceiver.sender, lambda: calls.append(1))
    from aiortc.rtp import RTCP_PSFB_PLI, RtcpPsfbPacket
    await transceiver.sender._handle_rtcp_packet(RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1, media_ssrc=2))
    assert calls == [1]
    await pc.close()


async def test_udp_port_range_binds_inside_the_range():
    import socket
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    low = probe.getsockname()[1]
    probe.close()
    loop = asyncio.get_running_loop()
    aiortc_bridge.install_udp_port_range(loop, low, low + 20)
    try:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTransceiver("audio", direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        ports = [int(line.split()[5]) for line in pc.localDescription.sdp.splitlines()
                 if line.startswith("a=candidate:")]
        await pc.close()
    finally:
        del loop.create_datagram_endpoint  # back to the class method
    assert ports and all(low <= port <= low + 20 for port in ports)


def test_forwarding_jitter_buffer_releases_a_frame_at_its_marker():
    from aiortc.rtp import RtpPacket

    assert "JitterBuffer(capacity=512, is_video=True)" in inspect.getsource(RTCRtpReceiver.__init__)
    assert "_remove_frame(packet.sequence_number)" in inspect.getsource(aiortc_receiver.JitterBuffer.add)
    buffer = aiortc_bridge.ForwardingJitterBuffer(capacity=128, is_video=True)
    released = []
    for seq, (timestamp, marker, data) in enumerate([(1000, 0, b"a"), (1000, 1, b"b"), (4000, 0, b"c"),
                                                     (4000, 1, b"d")]):
        packet = RtpPacket(payload_type=96, sequence_number=seq, timestamp=timestamp, marker=marker)
        packet._data = data  # type: ignore[attr-defined]
        released.append(buffer.add(packet)[1])
    assert released[0] is None and released[2] is None
    assert released[1] is not None and released[1].data == b"ab" and released[1].timestamp == 1000
    assert released[3] is not None and released[3].data == b"cd"
    audio = aiortc_bridge.ForwardingJitterBuffer(capacity=16, prefetch=4)
    packet = RtpPacket(payload_type=111, sequence_number=7, timestamp=960)
    packet._data = b"opus"  # type: ignore[attr-defined]
    frame = audio.add(packet)[1]
    assert frame is not None and frame.data == b"opus"  # no 4-frame prefetch when forwarding


async def test_direct_rtp_writer_is_decodable_and_answers_nacks():
    """Frames written by DirectRtpWriter decode at a real aiortc peer; headers parse as aiortc's."""
    from aiortc.mediastreams import VideoStreamTrack
    from aiortc.rtp import RtpPacket

    sender_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    receiver_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    transceiver = sender_pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
    vp8 = next(c for c in aiortc_bridge.forwardable_codecs("video") if c.mimeType == "video/VP8")
    aiortc_bridge.restrict_codecs(transceiver, [vp8])
    ready: list[int] = []
    writer = aiortc_bridge.send_directly(transceiver.sender, on_ready=lambda: ready.append(1))
    frames: list[av.VideoFrame] = []
    pulls: list[asyncio.Task[None]] = []

    @receiver_pc.on("track")
    def _on_track(track):
        async def pull():
            while True:
                frames.append(await track.recv())

        pulls.append(asyncio.ensure_future(pull()))

    await sender_pc.setLocalDescription(await sender_pc.createOffer())
    await receiver_pc.setRemoteDescription(sender_pc.localDescription)
    await receiver_pc.setLocalDescription(await receiver_pc.createAnswer())
    await sender_pc.setRemoteDescription(receiver_pc.localDescription)
    for _ in range(200):
        if writer.ready:
            break
        await asyncio.sleep(0.02)
    assert writer.ready and ready == [1]

    codec = aiortc_bridge.negotiated_codec(transceiver)
    assert codec is not None
    encoder = aiortc_codecs.get_encoder(codec)
    for index in range(45):
        picture = av.VideoFrame(320, 240, "yuv420p")
        for plane in picture.planes:
            plane.update(bytes([(index * 5) % 256]) * plane.buffer_size)
        picture.pts, picture.time_base = index * 3000, aiortc_codecs.vpx.VIDEO_TIME_BASE
        payloads, timestamp = encoder.encode(picture, force_keyframe=index == 0)
        assert writer.write(aiortc_bridge.PacketizedFrame(payloads, timestamp))
        await asyncio.sleep(1 / 30)
    for _ in range(100):
        if len(frames) >= 40:
            break
        await asyncio.sleep(0.05)
    assert len(frames) >= 40 and frames[-1].width == 320

    sender = transceiver.sender
    assert aiortc_bridge.sender_packet_count(sender) == writer.packets >= 45
    last = (writer._sequence - 1) & 0xFFFF
    packet = RtpPacket.parse(writer._history[last % 128], writer._extensions)
    assert (packet.payload_type, packet.ssrc, packet.marker) == (codec.payloadType, sender._ssrc, 1)
    assert packet.extensions.mid == transceiver.mid and packet.extensions.abs_send_time is not None
    rtx_before = sender._RTCRtpSender__rtx_sequence_number
    await writer.retransmit(last)
    assert sender._RTCRtpSender__rtx_sequence_number == (rtx_before + 1) & 0xFFFF  # sent on RTX
    await writer.retransmit((last + 1000) & 0xFFFF)  # not in the history: ignored
    assert sender._RTCRtpSender__rtx_sequence_number == (rtx_before + 1) & 0xFFFF
    await sender_pc.close()
    await receiver_pc.close()
    for pull in pulls:
        pull.cancel()
    assert not writer.ready
