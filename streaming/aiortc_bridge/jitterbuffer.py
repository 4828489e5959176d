"""A jitter buffer for a forwarder: each frame released as soon as it is complete.

aiortc's ``JitterBuffer`` releases a video frame only when the NEXT frame's first packet arrives
(one frame interval late) and holds four audio frames back (80 ms) to smooth decoding. A forwarder
needs neither: the subscribers' own jitter buffers do the smoothing.
"""

from __future__ import annotations

from typing import Any

from aiortc.jitterbuffer import JitterBuffer, JitterFrame


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


class JitterPacket:
    """What aiortc's jitter buffer (and :class:`ForwardingJitterBuffer`) read of a packet: its
    depayloaded data as ``_data``, as aiortc's receiver sets it on an ``RtpPacket``."""

    __slots__ = ("_data", "marker", "sequence_number", "timestamp")

    def __init__(self, sequence_number: int, timestamp: int, marker: bool, data: bytes) -> None:
        self.sequence_number = sequence_number
        self.timestamp = timestamp
        self.marker = marker
        self._data = data
