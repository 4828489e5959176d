"""The stand-in for a receiver's decoder queue: complete frames handed on on the event loop.

aiortc puts each frame its jitter buffer completes on ``RTCRtpReceiver.__decoder_queue`` for the
decoder thread, which puts the result back on the track's queue: a futex wake, a GIL hand-over and
a self-pipe write per frame. :class:`InlineForwarder` takes that queue's place.
"""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Callable
from typing import Any

import av

from streaming.aiortc_bridge.counters import COUNTERS
from streaming.aiortc_bridge.forwarding import forwarded_packet

PacketSink = Callable[[int, int, bool, bytes, bool], None]
"""Receives each inbound media packet: (sequence number, RTP timestamp, marker, payload with any
padding, padding bit). RTX retransmissions arrive unwrapped, with the original sequence number."""


class InlineForwarder:
    """Stands in for a receiver's decoder queue (``RTCRtpReceiver.__decoder_queue``): each frame the
    jitter buffer completes is turned into an ``av.Packet`` and put on the track's queue at once,
    on the event loop, instead of crossing to the decoder thread and back.

    aiortc's worker thread still runs (the receiver starts and joins it): ``get`` hands it the
    original queue, which only ever carries the ``None`` that stops it and so ends the track.
    """

    def __init__(self, original: queue.Queue[Any], output: asyncio.Queue[Any]) -> None:
        self._original = original
        self._output = output
        self.sink: Callable[[av.Packet], None] | None = None  # see inbound.set_frame_sink()
        self.packet_sink: PacketSink | None = None  # see inbound.set_packet_sink()
        self.frames_wanted = True  # see inbound.want_frames()
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


def inline_forwarder(receiver: Any) -> InlineForwarder | None:
    """The receiver's :class:`InlineForwarder`, if :func:`~streaming.aiortc_bridge.inbound.receive_directly`
    set one up."""
    forwarder = getattr(receiver, "_RTCRtpReceiver__decoder_queue", None)
    return forwarder if isinstance(forwarder, InlineForwarder) else None
