"""A publisher's receiver set up for forwarding: frames inline, packets past aioice's queue.

:func:`receive_directly` (for every publisher) replaces the receiver's decoder queue with an
:class:`~.inline_forwarder.InlineForwarder` and delivers its transport's datagrams inline
(:mod:`.datagrams`); the hub then chooses what it is handed: packets as they arrive
(:func:`set_packet_sink`), frames as they complete (:func:`set_frame_sink`), and whether frames are
reassembled at all (:func:`want_frames`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import av
from aiortc import RTCRtpReceiver

from streaming.aiortc_bridge.datagrams import deliver_datagrams_inline
from streaming.aiortc_bridge.forwarding import forwarding_installed
from streaming.aiortc_bridge.inline_forwarder import InlineForwarder, PacketSink, inline_forwarder
from streaming.aiortc_bridge.jitterbuffer import ForwardingJitterBuffer


def receive_directly(receiver: RTCRtpReceiver) -> InlineForwarder:
    """Forward ``receiver``'s frames inline (:class:`InlineForwarder`) and its transport's packets
    without aiortc's per-packet queue (:func:`deliver_datagrams_inline`).

    Call after the answer (the remote track exists) and before media flows; forwarding must be
    installed (:func:`~streaming.aiortc_bridge.forwarding.install_forwarding`).
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
    forwarder = inline_forwarder(receiver)
    if forwarder is None:
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
    forwarder = inline_forwarder(receiver)
    if forwarder is None:
        return False
    forwarder.packet_sink = sink
    receiver._RTCRtpReceiver__timestamp_mapper = _RawTimestamps()
    return True


def want_frames(receiver: Any, wanted: bool) -> None:
    """Whether ``receiver``'s packets must also be reassembled into frames (for the recorder and the
    live HLS); without, packets with a sink skip aiortc's jitter buffer and depayloading."""
    forwarder = inline_forwarder(receiver)
    if forwarder is None or forwarder.frames_wanted == wanted:
        return
    forwarder.frames_wanted = wanted
    jitter_buffer = receiver._RTCRtpReceiver__jitter_buffer
    if wanted and isinstance(jitter_buffer, ForwardingJitterBuffer):
        jitter_buffer.reset()  # whatever it holds is from before the pause
