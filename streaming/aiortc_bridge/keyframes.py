"""Keyframe requests across the relay: PLIs to the publisher's media ssrc, subscribers' PLIs redirected.

A keyframe request must be addressed to the publisher's MEDIA ssrc (Chromium ignores a PLI sent to
its RTX ssrc), and a subscriber's PLI/FIR, which aiortc turns into ``sender._send_keyframe()`` to
flag an encoder, must go on to the publisher instead.
"""

from __future__ import annotations

from collections.abc import Callable

from aiortc import RTCRtpReceiver, RTCRtpSender


def media_ssrcs(receiver: RTCRtpReceiver) -> list[int]:
    """The publisher's media ssrcs seen by ``receiver`` in the last 10 s, RTX ssrcs excluded.

    RTX ssrcs signalled in the offer (``a=ssrc-group:FID``) are in the receiver's RTX map;
    signalled media ssrcs come first so the PLI reaches the right stream.
    """
    rtx_to_media: dict[int, int] = receiver._RTCRtpReceiver__rtx_ssrc  # type: ignore[attr-defined]
    active = [source.source for source in receiver.getSynchronizationSources()]
    signalled = [ssrc for ssrc in dict.fromkeys(rtx_to_media.values())]
    ordered = [ssrc for ssrc in signalled if ssrc in active] + [
        ssrc for ssrc in active if ssrc not in rtx_to_media and ssrc not in signalled
    ]
    return ordered or signalled


async def send_pli(receiver: RTCRtpReceiver) -> int:
    """Ask the publisher behind ``receiver`` for a keyframe; returns how many PLIs were sent."""
    targets = media_ssrcs(receiver)
    for ssrc in targets:
        await receiver._send_rtcp_pli(ssrc)
    return len(targets)


def redirect_keyframe_requests(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Route a subscriber's PLI/FIR (which aiortc turns into ``sender._send_keyframe()``) to
    ``callback`` instead of flagging a (non-existent) encoder."""
    sender._send_keyframe = callback  # type: ignore[method-assign]
