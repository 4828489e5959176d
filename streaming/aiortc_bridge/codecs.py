"""Which codecs the relay forwards, and restricting a transceiver to one before its answer.

A subscriber must be answered with exactly the publisher's codec (and H.264 profile): the relay
forwards the publisher's bitstream and never transcodes.
"""

from __future__ import annotations

import aiortc.codecs as aiortc_codecs
from aiortc import RTCRtpSender, RTCRtpTransceiver
from aiortc.rtcpeerconnection import is_codec_compatible
from aiortc.rtcrtpparameters import RTCRtpCodecCapability, RTCRtpCodecParameters


def negotiated_codec(transceiver: RTCRtpTransceiver) -> RTCRtpCodecParameters | None:
    """The primary (non-RTX) codec the transceiver negotiated, after the descriptions were set."""
    for codec in transceiver._codecs:
        if not codec.mimeType.lower().endswith("/rtx"):
            return codec
    return None


def codec_key(codec: RTCRtpCodecParameters | RTCRtpCodecCapability) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Identity of a codec for forwarding: mime type plus its fmtp parameters (H.264 profile)."""
    params = tuple(sorted((str(k), str(v)) for k, v in (codec.parameters or {}).items()))
    return codec.mimeType.lower(), params


def restrict_codecs(transceiver: RTCRtpTransceiver, allowed: list[RTCRtpCodecParameters]) -> None:
    """Make the next answer on ``transceiver`` carry only codecs identical (mime type AND fmtp,
    so the H.264 profile too) to ``allowed``, plus their RTX.

    Must be called before ``setRemoteDescription``: aiortc filters the common codecs through
    the transceiver's preferences while applying the offer (see rtcpeerconnection.py).
    """
    order = [codec_key(codec) for codec in allowed]  # the answer lists codecs in this order
    capabilities = RTCRtpSender.getCapabilities(transceiver.kind).codecs
    chosen = sorted((cap for cap in capabilities if codec_key(cap) in order),
                    key=lambda cap: order.index(codec_key(cap)))
    rtx = [cap for cap in capabilities if cap.mimeType.lower().endswith("/rtx")]
    transceiver.setCodecPreferences(chosen + rtx)


def forwardable_codecs(kind: str) -> list[RTCRtpCodecParameters]:
    """aiortc's codecs the relay forwards: VP8 and H.264 (both profiles) for video, Opus for audio."""
    names = {"video": ("video/vp8", "video/h264"), "audio": ("audio/opus",)}[kind]
    return [codec for codec in aiortc_codecs.CODECS[kind] if codec.mimeType.lower() in names]


def codecs_compatible(offered: RTCRtpCodecParameters, codec: RTCRtpCodecParameters) -> bool:
    """Whether an offered codec can carry ``codec``'s bitstream (same mime type, clock rate and,
    for H.264, the same profile and packetization mode), as aiortc decides it."""
    return bool(is_codec_compatible(offered, codec))
