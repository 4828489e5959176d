"""The receiver's worker, forwarding instead of decoding (process-wide).

Every receiver runs ``aiortc.rtcrtpreceiver.decoder_worker`` in a thread and feeds it complete
encoded frames from its jitter buffer. The peer connection builds receivers itself, so a subclass
is unreachable: :func:`install_forwarding` swaps the module attribute, and :func:`forwarding_worker`
hands each frame on as an ``av.Packet``, which ``RTCRtpSender`` packs instead of encoding.
"""

from __future__ import annotations

import asyncio
import fractions
import queue
import threading
from typing import Any

import aiortc.rtcrtpreceiver as aiortc_receiver
import av
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from streaming.aiortc_bridge.counters import COUNTER_LOCK, COUNTERS, install_decode_counter, uninstall_decode_counter
from streaming.aiortc_bridge.internals import check_aiortc_version
from streaming.aiortc_bridge.jitterbuffer import ForwardingJitterBuffer
from streaming.bitstream import is_keyframe

STOCK_DECODER_WORKER = aiortc_receiver.decoder_worker
STOCK_JITTER_BUFFER = aiortc_receiver.JitterBuffer


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
    with COUNTER_LOCK:
        COUNTERS.frames_forwarded += 1
    return packet


def install_forwarding() -> None:
    """Make every receiver created from now on yield encoded ``av.Packet`` instead of frames.

    Process-wide: call it once in the relay process (never where aiortc peers must decode).
    """
    check_aiortc_version()
    install_decode_counter()
    aiortc_receiver.decoder_worker = forwarding_worker
    aiortc_receiver.JitterBuffer = ForwardingJitterBuffer  # type: ignore[misc]


def uninstall_forwarding() -> None:
    """Restore aiortc's own decoding worker, jitter buffer and decoder factory (for tests)."""
    aiortc_receiver.decoder_worker = STOCK_DECODER_WORKER
    aiortc_receiver.JitterBuffer = STOCK_JITTER_BUFFER  # type: ignore[misc]
    uninstall_decode_counter()


def forwarding_installed() -> bool:
    """Whether this process's receivers forward (``/health`` says it)."""
    return aiortc_receiver.decoder_worker is forwarding_worker
