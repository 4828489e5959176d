"""Fails loudly when an aiortc upgrade moves the internals streaming/aiortc_bridge/ relies on (its internals.py)."""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect
import pathlib
import re

import aiortc
import aiortc.codecs as aiortc_codecs
import aiortc.rtcrtpreceiver as aiortc_receiver
import av
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver

from streaming import rtp_bytes, udp_ports
from streaming.aiortc_bridge import (
    certificates,
    codecs,
    coroutines,
    counters,
    forwarding,
    inbound,
    inline_forwarder,
    internals,
    jitterbuffer,
    keyframes,
    outbound,
)
from testkit.peers import StampedVideoTrack, prefer


def test_pinned_version():
    assert aiortc.__version__ == internals.SUPPORTED_AIORTC
    internals.check_aiortc_version()


def _owner(dotted: str) -> object:
    module_name, _, attribute = dotted.rpartition(".")
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError:
        return getattr(importlib.import_module(module_name), attribute)


def test_every_listed_internal_still_exists_where_it_is_used():
    """Each name of internals.PRIVATE_NAMES is still in its aiortc/aioice owner, and still used by the
    package modules the list names (so the list neither misses a move nor keeps a stale entry)."""
    for entry in internals.PRIVATE_NAMES:
        owner = _owner(entry.owner)
        owner_source = inspect.getsource(owner)  # type: ignore[arg-type]
        class_name = entry.owner.rpartition(".")[2]
        used = "".join(inspect.getsource(importlib.import_module(f"streaming.aiortc_bridge.{m}"))
                       for m in entry.where)
        for name in entry.names:
            if name.startswith("__"):
                assert f"self.{name}" in owner_source, (entry.owner, name)
                assert f"_{class_name}{name}" in used, (entry.where, name)
            else:
                assert hasattr(owner, name) or f"self.{name}" in owner_source or f".{name}" in owner_source, (
                    entry.owner, name)
                assert re.search(rf"\b{re.escape(name)}\b", used), (entry.where, name)


def _private_names_used(tree: ast.AST) -> tuple[set[str], set[str]]:
    """(private attribute names a module reads or writes on anything, names it defines itself)."""
    used: set[str] = set()
    own: set[str] = set()
    aiortc_subclasses = {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                         and any(isinstance(base, ast.Name) and base.id == "JitterBuffer" for base in node.bases)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.endswith("__"):
            used.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"_[A-Z]\w*__\w+",
                                                                                              node.value):
            used.add(node.value)
        elif isinstance(node, ast.ClassDef) and node.name not in aiortc_subclasses:
            own |= {inner.name for inner in node.body if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef))}
            for inner in ast.walk(node):
                if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name) and inner.value.id == "self" \
                        and isinstance(inner.ctx, ast.Store):
                    own.add(inner.attr)
    return used, own


def test_the_package_uses_no_unlisted_internal():
    """A private aiortc/aioice name used anywhere in streaming/aiortc_bridge/ must be listed in internals.py."""
    listed = set()
    for entry in internals.PRIVATE_NAMES:
        class_name = entry.owner.rpartition(".")[2]
        listed |= {f"_{class_name}{name}" if name.startswith("__") else name for name in entry.names}
    package = pathlib.Path(internals.__file__).parent
    unlisted = {}
    for path in sorted(package.glob("*.py")):
        used, own = _private_names_used(ast.parse(path.read_text()))
        extra = {name for name in used - own - listed if name not in ("_tingke_media_routes",)}
        if extra:
            unlisted[path.name] = sorted(extra)
    assert not unlisted, f"list these in streaming/aiortc_bridge/internals.py: {unlisted}"
    # and nothing outside the package reaches for them
    for module in ("hub", "rooms", "negotiation", "server", "recording", "live_hls", "rtp_bytes", "udp_ports"):
        source = (package.parent / f"{module}.py").read_text()
        assert not re.search(r"\._RTC\w+__", source), module


def test_decoder_worker_is_module_level_and_resolved_at_call_time():
    # The receiver must start its thread with the module attribute, looked up when it starts.
    source = inspect.getsource(RTCRtpReceiver.receive)
    assert "target=decoder_worker" in source
    params = list(inspect.signature(aiortc_receiver.decoder_worker).parameters)
    assert params == list(inspect.signature(forwarding.forwarding_worker).parameters)
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
    assert {c.mimeType for c in codecs.forwardable_codecs("video")} == {"video/VP8", "video/H264"}
    assert [c.mimeType for c in codecs.forwardable_codecs("audio")] == ["audio/opus"]


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
    forwarding.install_forwarding()
    try:
        before = counters.COUNTERS.snapshot()
        sender_pc, receiver_pc, received = await _pair(codec)
        receiver = received.pop()
        assert isinstance(receiver, RTCRtpReceiver)
        packets = [p for p in received if isinstance(p, av.Packet)]
        assert len(packets) >= 40 and all(isinstance(p, av.Packet) for p in packets)
        assert packets[0].is_keyframe  # aiortc's encoders start with a keyframe
        after = counters.COUNTERS.snapshot()
        assert after["decoders_created"] == before["decoders_created"]
        assert after["frames_forwarded"] - before["frames_forwarded"] >= 40
        ssrcs = keyframes.media_ssrcs(receiver)
        sender_ssrc = sender_pc.getTransceivers()[0].sender._ssrc
        assert ssrcs == [sender_ssrc], "PLI must target the media ssrc, not RTX"
        assert await keyframes.send_pli(receiver) == 1
        negotiated = codecs.negotiated_codec(receiver_pc.getTransceivers()[0])
        assert negotiated is not None and negotiated.mimeType == codec
        await sender_pc.close()
        await receiver_pc.close()
    finally:
        forwarding.uninstall_forwarding()


async def test_decode_counter_counts_when_aiortc_decodes():
    """The counter the relay reports as 0 does count real decoding (so 0 means something)."""
    counters.install_decode_counter()
    try:
        before = counters.COUNTERS.snapshot()
        sender_pc, receiver_pc, received = await _pair("video/VP8")
        received.pop()
        assert all(isinstance(f, av.VideoFrame) for f in received)
        after = counters.COUNTERS.snapshot()
        assert after["decoders_created"] > before["decoders_created"]
        assert after["frames_decoded"] - before["frames_decoded"] >= 40
        await sender_pc.close()
        await receiver_pc.close()
    finally:
        forwarding.uninstall_forwarding()
    assert aiortc_codecs.get_decoder is not None


async def test_keyframe_redirect_and_codec_restriction():
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    transceiver = pc.addTransceiver(StampedVideoTrack(), direction="sendonly")
    h264 = [c for c in codecs.forwardable_codecs("video") if c.mimeType == "video/H264"][1]
    codecs.restrict_codecs(transceiver, [h264])
    offer = await pc.createOffer()
    assert "H264" in offer.sdp and "VP8" not in offer.sdp
    profile = str(h264.parameters["profile-level-id"])
    assert profile in offer.sdp
    assert "42001f" not in offer.sdp.replace(profile, "")
    calls: list[int] = []
    keyframes.redirect_keyframe_requests(transceiver.sender, lambda: calls.append(1))
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
    udp_ports.install_udp_port_range(loop, low, low + 20)
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
    buffer = jitterbuffer.ForwardingJitterBuffer(capacity=128, is_video=True)
    released = []
    for seq, (timestamp, marker, data) in enumerate([(1000, 0, b"a"), (1000, 1, b"b"), (4000, 0, b"c"),
                                                     (4000, 1, b"d")]):
        packet = RtpPacket(payload_type=96, sequence_number=seq, timestamp=timestamp, marker=marker)
        packet._data = data  # type: ignore[attr-defined]
        released.append(buffer.add(packet)[1])
    assert released[0] is None and released[2] is None
    assert released[1] is not None and released[1].data == b"ab" and released[1].timestamp == 1000
    assert released[3] is not None and released[3].data == b"cd"
    audio = jitterbuffer.ForwardingJitterBuffer(capacity=16, prefetch=4)
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
    vp8 = next(c for c in codecs.forwardable_codecs("video") if c.mimeType == "video/VP8")
    codecs.restrict_codecs(transceiver, [vp8])
    ready: list[int] = []
    writer = outbound.send_directly(transceiver.sender, on_ready=lambda: ready.append(1))
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

    codec = codecs.negotiated_codec(transceiver)
    assert codec is not None
    encoder = aiortc_codecs.get_encoder(codec)
    upstream = 65530  # the publisher's sequence numbers (wrapping), mapped by start_at()
    writer.start_at(upstream)
    first_sequence = writer._sequence
    for index in range(45):
        picture = av.VideoFrame(320, 240, "yuv420p")
        for plane in picture.planes:
            plane.update(bytes([(index * 5) % 256]) * plane.buffer_size)
        picture.pts, picture.time_base = index * 3000, aiortc_codecs.vpx.VIDEO_TIME_BASE
        payloads, timestamp = encoder.encode(picture, force_keyframe=index == 0)
        numbered = [((upstream + n) & 0xFFFF, payload) for n, payload in enumerate(payloads)]
        upstream = (upstream + len(payloads)) & 0xFFFF
        if index == 10 and len(numbered) > 1:  # a packet arrives late (after the rest of its frame)
            numbered.append(numbered.pop(0))
        for sequence, payload in numbered:
            assert writer.write(sequence, timestamp, payload is payloads[-1], payload, False)
        await asyncio.sleep(1 / 30)
    assert writer._sequence == (first_sequence + writer.packets) & 0xFFFF  # the late one filled its gap
    for _ in range(100):
        if len(frames) >= 40:
            break
        await asyncio.sleep(0.05)
    assert len(frames) >= 40 and frames[-1].width == 320

    sender = transceiver.sender
    assert counters.sender_packet_count(sender) == writer.packets >= 45
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


def test_inbound_fast_path_internals_exist():
    """receive_directly() replays these pieces of aiortc/aioice; each must still be as read here."""
    from aioice.ice import Connection, StunProtocol
    from aiortc.rtcdtlstransport import RTCDtlsTransport, State
    from aiortc.rtcicetransport import RTCIceTransport
    from aiortc.rtcrtpreceiver import RemoteStreamTrack

    # InlineForwarder stands in for the decoder queue: put() per frame, put(None) to stop, the
    # thread reads it through get(); frames go to the track's asyncio queue.
    receiver_init = inspect.getsource(RTCRtpReceiver.__init__)
    assert "self.__decoder_queue: queue.Queue = queue.Queue()" in receiver_init
    handle_rtp = inspect.getsource(RTCRtpReceiver._handle_rtp_packet)
    assert "self.__decoder_queue.put((codec, encoded_frame))" in handle_rtp
    assert "if encoded_frame is not None and self.__decoder_thread:" in handle_rtp
    stop_decoder = inspect.getsource(RTCRtpReceiver._RTCRtpReceiver__stop_decoder)
    assert "self.__decoder_queue.put(None)" in stop_decoder and "self.__decoder_thread.join()" in stop_decoder
    receive = inspect.getsource(RTCRtpReceiver.receive)
    assert "self.__decoder_queue," in receive and "self._track._queue," in receive
    assert "input_q.get()" in inspect.getsource(aiortc_receiver.decoder_worker)
    assert "self._queue: asyncio.Queue = asyncio.Queue()" in inspect.getsource(RemoteStreamTrack.__init__)
    assert "await self._queue.get()" in inspect.getsource(RemoteStreamTrack.recv)
    # _handle_srtp is RTCDtlsTransport._recv_next's SRTP branch.
    recv_next = inspect.getsource(RTCDtlsTransport._recv_next)
    for line in ("self.__rx_bytes += len(data)", "self.__rx_packets += 1",
                 "elif first_byte > 127 and first_byte < 192 and self._rx_srtp:",
                 "arrival_time_ms = clock.current_ms()", "if is_rtcp(data):",
                 "data = self._rx_srtp.unprotect_rtcp(data)", "await self._handle_rtcp_data(data)",
                 "data = self._rx_srtp.unprotect(data)",
                 "await self._handle_rtp_data(data, arrival_time_ms=arrival_time_ms)",
                 "except pylibsrtp.Error as exc:"):
        assert line in recv_next, line
    assert "self._rx_srtp = Session(rx_policy)" in inspect.getsource(RTCDtlsTransport._setup_srtp)
    start = inspect.getsource(RTCDtlsTransport.start)
    assert "self._setup_srtp()" in start and "self._set_state(State.CONNECTED)" in start
    assert State.CONNECTED.name == "CONNECTED" and "self._state = state" in inspect.getsource(
        RTCDtlsTransport._set_state)
    assert "self._connection = gatherer._connection" in inspect.getsource(RTCIceTransport.__init__)
    # aioice: a datagram that is not STUN goes to Connection.data_received (which queues it);
    # the protocols of the connection are kept in _protocols.
    received = inspect.getsource(StunProtocol.datagram_received)
    assert "message = stun.parse_message(data)" in received
    assert "self.receiver.data_received(data, self.local_candidate.component)" in received
    assert "self._queue.put_nowait((data, component))" in inspect.getsource(Connection.data_received)
    assert "self._protocols += host_protocols" in inspect.getsource(Connection.get_component_candidates)
    # arrival time as aiortc's clock gives it (for the bitrate estimator)
    now_ms = int((__import__("time").time() + rtp_bytes.NTP_UNIX_OFFSET) * 1000)
    assert abs(now_ms - __import__("aiortc.clock", fromlist=["current_ms"]).current_ms()) < 50


async def test_run_now_runs_at_once_and_finishes_what_has_to_wait():
    done: list[str] = []

    async def immediate() -> None:
        done.append("immediate")

    async def waiting() -> None:
        await asyncio.sleep(0.01)
        done.append("waited")
        await asyncio.sleep(0)
        done.append("resumed")

    async def failing_wait() -> None:
        future = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(0.01, future.set_exception, ValueError("x"))
        try:
            await future
        except ValueError:
            done.append("saw error")

    coroutines.run_now(immediate())
    assert done == ["immediate"]
    coroutines.run_now(waiting())
    coroutines.run_now(failing_wait())
    assert done == ["immediate"]
    await asyncio.sleep(0.1)
    assert done[0] == "immediate" and sorted(done[1:]) == ["resumed", "saw error", "waited"]
    assert done.index("waited") < done.index("resumed")


@pytest.mark.parametrize("codec", ["video/H264", "video/VP8"])
async def test_receive_directly_forwards_inline_and_keeps_rtcp(codec):
    """Real peers; the receiving side takes the fast path: frames (video and Opus) arrive without the
    decoder thread or aioice's queue, and RTCP both ways still works: receiver reports and NACKs
    reach the sender (which retransmits on RTX), sender reports reach the receiver, a PLI gets a
    keyframe, and closing ends the tracks."""
    from aiortc.mediastreams import AudioStreamTrack, MediaStreamError

    forwarding.install_forwarding()
    sender_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    receiver_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        before = counters.COUNTERS.snapshot()
        prefer(sender_pc.addTransceiver(StampedVideoTrack(160, 120, 30), direction="sendonly"), codec)
        sender_pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
        received: dict[str, list[av.Packet]] = {"video": [], "audio": []}
        ended: list[str] = []
        forwarders: dict[str, inline_forwarder.InlineForwarder] = {}
        dropped: list[int] = []
        pulls: list[asyncio.Future[None]] = []

        @receiver_pc.on("track")
        def _on_track(track):
            async def pull():
                try:
                    while True:
                        received[track.kind].append(await track.recv())
                except MediaStreamError:
                    ended.append(track.kind)

            pulls.append(asyncio.ensure_future(pull()))

        await sender_pc.setLocalDescription(await sender_pc.createOffer())
        await receiver_pc.setRemoteDescription(sender_pc.localDescription)
        await receiver_pc.setLocalDescription(await receiver_pc.createAnswer())
        for transceiver in receiver_pc.getTransceivers():  # as negotiation.publish does, after the answer
            forwarders[transceiver.kind] = inbound.receive_directly(transceiver.receiver)

        # lose one video packet on its way in (before the fast path), as a network would
        video_receiver = receiver_pc.getTransceivers()[0].receiver
        dtls = video_receiver.transport
        sender = sender_pc.getTransceivers()[0].sender
        video_ssrc = sender._ssrc.to_bytes(4, "big")
        seen = [0]
        for protocol in dtls.transport._connection._protocols:
            def lossy(data, addr, inline=protocol.datagram_received):
                if len(data) > 12 and 127 < data[0] < 192 and data[8:12] == video_ssrc:
                    seen[0] += 1
                    if seen[0] == 20:
                        dropped.append(seen[0])
                        return
                inline(data, addr)

            protocol.datagram_received = lossy
        await sender_pc.setRemoteDescription(receiver_pc.localDescription)
        rtx_start = sender._RTCRtpSender__rtx_sequence_number

        for _ in range(200):
            if len(received["video"]) >= 45 and len(received["audio"]) >= 50:
                break
            await asyncio.sleep(0.05)
        video, audio = received["video"], received["audio"]
        assert len(video) >= 45 and len(audio) >= 50
        assert all(isinstance(p, av.Packet) for p in video + audio)
        assert video[0].is_keyframe
        assert forwarders["video"].frames >= len(video) and forwarders["audio"].frames >= len(audio)
        after = counters.COUNTERS.snapshot()
        assert after["decoders_created"] == before["decoders_created"]
        assert after["frames_inline"] - before["frames_inline"] >= len(video) + len(audio)
        assert after["datagrams_inline"] - before["datagrams_inline"] >= len(video) + len(audio)
        assert dtls._RTCDtlsTransport__rx_packets >= len(video)

        assert dropped == [20]
        for _ in range(60):  # RTCP every 0.5-1.5 s each way
            stats = await sender.getStats()
            got_rr = any(s.type == "remote-inbound-rtp" for s in stats.values())
            retransmitted = sender._RTCRtpSender__rtx_sequence_number != rtx_start
            if got_rr and video_receiver._RTCRtpReceiver__lsr and retransmitted:
                break
            await asyncio.sleep(0.05)
        assert got_rr, "no receiver report reached the sender"
        assert video_receiver._RTCRtpReceiver__lsr, "no sender report reached the receiver"
        assert retransmitted, "the lost packet was not NACKed (or not retransmitted on RTX)"

        keyframes_seen = sum(p.is_keyframe for p in video)
        assert await keyframes.send_pli(video_receiver) == 1
        for _ in range(40):
            if sum(p.is_keyframe for p in received["video"]) > keyframes_seen:
                break
            await asyncio.sleep(0.05)
        assert sum(p.is_keyframe for p in received["video"]) > keyframes_seen, "PLI got no keyframe"

        sink: list[av.Packet] = []
        assert inbound.set_frame_sink(video_receiver, sink.append)
        queued = len(received["video"])
        await asyncio.sleep(0.3)
        assert len(sink) >= 3 and len(received["video"]) <= queued + 1

        await sender_pc.close()
        await receiver_pc.close()
        for _ in range(40):
            if sorted(ended) == ["audio", "video"]:
                break
            await asyncio.sleep(0.05)
        assert sorted(ended) == ["audio", "video"], "closing must end the tracks (decoder threads stopped)"
    finally:
        await sender_pc.close()
        await receiver_pc.close()
        forwarding.uninstall_forwarding()


def test_packet_route_internals_exist():
    """media_route.MediaRoute keeps what RTCRtpReceiver._handle_rtp_packet does per packet; each piece must still be
    as read here, and aiortc's statistics and NACK generator must read nothing else of a packet."""
    import re

    from aiortc.rtcdtlstransport import RTCDtlsTransport, RtpRouter
    from aiortc.rtp import HeaderExtensionsMap

    handle = inspect.getsource(RTCRtpReceiver._handle_rtp_packet)
    for line in ("if not self._enabled:", "self.__remote_bitrate_estimator.add(",
                 "abs_send_time=packet.extensions.abs_send_time", "arrival_time_ms=arrival_time_ms",
                 "payload_size=len(packet.payload) + packet.padding_size", "if self.__rtcp_ssrc is not None and remb",
                 "fci=pack_remb_fci(*remb)", "await self._send_rtcp(rtcp_packet)",
                 "self.__active_ssrc[packet.ssrc] = clock.current_datetime()",
                 "self.__remote_streams[packet.ssrc] = StreamStatistics(codec.clockRate)",
                 "self.__remote_streams[packet.ssrc].add(packet)", "if is_rtx(codec):",
                 "original_ssrc = self.__rtx_ssrc.get(packet.ssrc)",
                 "self.__nack_generator is not None and self.__nack_generator.add(packet)",
                 "await self._send_rtcp_nack(", "packet.ssrc, sorted(self.__nack_generator.missing)",
                 "encoded_frame.timestamp = self.__timestamp_mapper.map(",
                 "packet._data = depayload(codec, packet.payload)",
                 "pli_flag, encoded_frame = self.__jitter_buffer.add(packet)",
                 "await self._send_rtcp_pli(packet.ssrc)"):
        assert line in handle, line
    assert aiortc_receiver.depayload is aiortc_codecs.depayload
    for method in (aiortc_receiver.StreamStatistics.add, aiortc_receiver.NackGenerator.add):
        assert set(re.findall(r"packet\.(\w+)", inspect.getsource(method))) <= {"sequence_number", "timestamp"}
    init = inspect.getsource(RTCRtpReceiver.__init__)
    for name in ("__codecs", "__remote_streams", "__nack_generator", "__remote_bitrate_estimator", "__active_ssrc",
                 "__timestamp_mapper", "__rtcp_ssrc", "__rtx_ssrc", "__jitter_buffer", "__decoder_thread"):
        assert f"self.{name}" in init, name
    assert "self.__ids.abs_send_time = ext.id" in inspect.getsource(HeaderExtensionsMap.configure)
    assert "receiver = self._rtp_router.route_rtp(packet)" in inspect.getsource(RTCDtlsTransport._handle_rtp_data)
    assert "def route_rtp(self, packet: RtpPacket)" in inspect.getsource(RtpRouter)
    assert "self._rtp_router = RtpRouter()" in inspect.getsource(RTCDtlsTransport.__init__)
    assert hasattr(RTCRtpReceiver, "_send_rtcp_nack") and hasattr(RTCRtpReceiver, "_send_rtcp")


def test_rtp_keyframe_start_is_read_from_the_first_packet():
    from streaming.bitstream import rtp_starts_keyframe

    sps, idr, slice_ = b"\x67\x42\xc0\x1f", b"\x65\x88\x84", b"\x41\x9a\x02"
    stap_a = b"\x18" + len(sps).to_bytes(2, "big") + sps + b"\x00\x02\x68\xce"
    assert rtp_starts_keyframe("H264", stap_a) and rtp_starts_keyframe("H264", sps)
    assert rtp_starts_keyframe("H264", idr) and not rtp_starts_keyframe("H264", slice_)
    assert rtp_starts_keyframe("H264", b"\x7c\x85\x88")  # FU-A start of an IDR slice
    assert not rtp_starts_keyframe("H264", b"\x7c\x05\x88")  # FU-A continuation
    assert not rtp_starts_keyframe("H264", b"\x7c\x81\x9a")  # FU-A start of a non-IDR slice
    assert not rtp_starts_keyframe("H264", b"\x18\x00\x03\x41\x9a\x02")  # STAP-A without SPS/IDR
    assert rtp_starts_keyframe("VP8", b"\x10\x50")  # S=1, partition 0, frame tag bit 0 (P) clear
    assert not rtp_starts_keyframe("VP8", b"\x10\x9d\x01")  # P=1: an inter frame
    assert not rtp_starts_keyframe("VP8", b"\x00\x50")  # not the start of a partition
    assert rtp_starts_keyframe("VP8", b"\x90\xe0\x81\x23\x05\x40\x9c")  # X, 15-bit picture id, TL0, TID
    assert not rtp_starts_keyframe("VP8", b"\x90\x80\x81\x23\x9d")  # X, 15-bit picture id, P=1
    assert rtp_starts_keyframe("opus", b"\xfc") and not rtp_starts_keyframe("VP8", b"")


@pytest.mark.parametrize("codec", ["video/H264", "video/VP8"])
async def test_packet_sink_gets_every_packet_and_keeps_rtcp(codec):
    """Real peers; the receiving side hands packets to a sink without aiortc's RTP handling: every
    packet arrives once, a packet lost on the way is NACKed and comes back (RTX, unwrapped, original
    sequence number), the first packet of a frame tells keyframes, receiver reports reach the sender,
    no frames are reassembled until wanted, and then they carry raw RTP timestamps."""
    from aiortc.mediastreams import AudioStreamTrack

    from streaming.bitstream import rtp_starts_keyframe

    forwarding.install_forwarding()
    sender_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    receiver_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        prefer(sender_pc.addTransceiver(StampedVideoTrack(320, 240, 30), direction="sendonly"), codec)
        sender_pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
        await sender_pc.setLocalDescription(await sender_pc.createOffer())
        await receiver_pc.setRemoteDescription(sender_pc.localDescription)
        await receiver_pc.setLocalDescription(await receiver_pc.createAnswer())
        packets: dict[str, list[tuple[int, int, bool, bytes, bool]]] = {"video": [], "audio": []}
        frames: list[av.Packet] = []
        video_receiver = receiver_pc.getTransceivers()[0].receiver
        for transceiver in receiver_pc.getTransceivers():
            inbound.receive_directly(transceiver.receiver)
            sink = packets[transceiver.kind]
            assert inbound.set_packet_sink(transceiver.receiver, lambda *rtp, sink=sink: sink.append(rtp))
            inbound.want_frames(transceiver.receiver, False)
        assert inbound.set_frame_sink(video_receiver, frames.append)
        sender = sender_pc.getTransceivers()[0].sender
        video_ssrc = sender._ssrc.to_bytes(4, "big")
        seen, dropped = [0], []
        for protocol in video_receiver.transport.transport._connection._protocols:
            def lossy(data, addr, inline=protocol.datagram_received):
                if len(data) > 12 and 127 < data[0] < 192 and data[8:12] == video_ssrc:
                    seen[0] += 1
                    if seen[0] == 30:
                        dropped.append(int.from_bytes(data[2:4], "big"))
                        return
                inline(data, addr)

            protocol.datagram_received = lossy
        routed = counters.COUNTERS.packets_routed
        await sender_pc.setRemoteDescription(receiver_pc.localDescription)

        def video_sequences() -> list[int]:
            return [p[0] for p in packets["video"]]

        for _ in range(200):
            got_rr = any(s.type == "remote-inbound-rtp" for s in (await sender.getStats()).values())
            if dropped and dropped[0] in video_sequences() and len(packets["audio"]) >= 50 and got_rr:
                break
            await asyncio.sleep(0.05)
        sequences = video_sequences()
        assert dropped and sequences.count(dropped[0]) == 1, "the lost packet was not NACKed and retransmitted"
        assert sequences.index(dropped[0]) > sequences.index((dropped[0] + 1) & 0xFFFF)  # it came back late
        assert len(set(sequences)) == len(sequences) and len(packets["audio"]) >= 50
        assert got_rr, "no receiver report reached the sender"
        assert counters.COUNTERS.packets_routed - routed >= len(sequences) - 5
        assert frames == [], "frames reassembled although nobody wanted them"
        name = codec.split("/")[1]
        starts = [p for n, p in enumerate(packets["video"]) if n == 0 or p[1] != packets["video"][n - 1][1]]
        assert rtp_starts_keyframe(name, starts[0][3])
        assert not all(rtp_starts_keyframe(name, p[3]) for p in starts[1:20])  # inter frames follow
        by_sequence = {p[0]: p for p in packets["video"]}
        frame_ends = [p for p in packets["video"] if (p[0] + 1) & 0xFFFF in by_sequence
                      and by_sequence[(p[0] + 1) & 0xFFFF][1] != p[1]]
        assert len(frame_ends) > 20 and all(p[2] for p in frame_ends)  # a frame's last packet carries the marker

        inbound.want_frames(video_receiver, True)
        await asyncio.sleep(0.5)
        assert len(frames) >= 5
        timestamps = {p[1] for p in packets["video"]}
        assert {int(frame.pts) for frame in frames} <= timestamps  # raw RTP timestamps
    finally:
        await sender_pc.close()
        await receiver_pc.close()
        forwarding.uninstall_forwarding()


async def test_certificates_private_name_used_by_ice_restart_exists():
    # reuse_certificates() hands a new connection the old one's DTLS certificate through this name.
    old, new = RTCPeerConnection(), RTCPeerConnection()
    try:
        held = vars(old).get("_RTCPeerConnection__certificates")
        assert held, "aiortc no longer keeps its DTLS certificates where reuse_certificates() looks"
        certificates.reuse_certificates(new, old)
        assert [c.getFingerprints() for c in vars(new)["_RTCPeerConnection__certificates"]] == \
            [c.getFingerprints() for c in held]
    finally:
        await old.close()
        await new.close()
