"""Process-wide counters of the bridge, and aiortc's sender counters, for ``/stats`` and tests.

``decoders_created``/``frames_decoded`` count every aiortc decoder made or used in this process
through aiortc's own factory, so a relay that forwards must show 0 however the code paths evolve.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import aiortc.codecs as aiortc_codecs
import aiortc.rtcrtpreceiver as aiortc_receiver
from aiortc import RTCRtpSender
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

STOCK_GET_DECODER = aiortc_codecs.get_decoder


@dataclass
class BridgeCounters:
    """The bridge's counters (see the module docstring)."""

    decoders_created: int = 0
    frames_decoded: int = 0
    frames_forwarded: int = 0
    # the inbound fast path (event loop thread only, so no lock): frames handed on without the
    # decoder thread, SRTP/SRTCP datagrams handled without aioice's queue
    frames_inline: int = 0
    datagrams_inline: int = 0
    packets_routed: int = 0  # media packets handed on as bytes, without aiortc's RTP handling

    def snapshot(self) -> dict[str, int]:
        with COUNTER_LOCK:
            return {
                "decoders_created": self.decoders_created,
                "frames_decoded": self.frames_decoded,
                "frames_forwarded": self.frames_forwarded,
                "frames_inline": self.frames_inline,
                "datagrams_inline": self.datagrams_inline,
                "packets_routed": self.packets_routed,
            }


COUNTERS = BridgeCounters()
COUNTER_LOCK = threading.Lock()  # decoder threads count too


class _CountingDecoder:
    """Wraps an aiortc decoder so every decode() call is counted."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def decode(self, encoded_frame: Any) -> Any:
        with COUNTER_LOCK:
            COUNTERS.frames_decoded += 1
        return self._inner.decode(encoded_frame)


def _counting_get_decoder(codec: RTCRtpCodecParameters) -> Any:
    with COUNTER_LOCK:
        COUNTERS.decoders_created += 1
    return _CountingDecoder(STOCK_GET_DECODER(codec))


def install_decode_counter() -> None:
    """Count every decoder aiortc creates in this process (see :class:`BridgeCounters`)."""
    aiortc_receiver.get_decoder = _counting_get_decoder
    aiortc_codecs.get_decoder = _counting_get_decoder


def uninstall_decode_counter() -> None:
    """Give aiortc its own decoder factory back."""
    aiortc_receiver.get_decoder = STOCK_GET_DECODER
    aiortc_codecs.get_decoder = STOCK_GET_DECODER


def sender_packet_count(sender: RTCRtpSender) -> int:
    """RTP packets this sender has put on the wire."""
    return int(sender._RTCRtpSender__packet_count)  # type: ignore[attr-defined]


def sender_octet_count(sender: RTCRtpSender) -> int:
    """Payload bytes this sender has put on the wire."""
    return int(sender._RTCRtpSender__octet_count)  # type: ignore[attr-defined]
