"""Checks on an SDP offer before it reaches aiortc, so bad input is a clear 4xx."""

from __future__ import annotations

from dataclasses import dataclass

from aiortc import sdp
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from streaming.errors import RelayError

MAX_SDP_BYTES = 64 * 1024
SDP_CONTENT_TYPE = "application/sdp"


@dataclass
class OfferedMedia:
    kind: str  # "audio" | "video"
    direction: str
    codecs: list[RTCRtpCodecParameters]

    @property
    def sends(self) -> bool:
        return self.direction in ("sendonly", "sendrecv")

    @property
    def receives(self) -> bool:
        return self.direction in ("recvonly", "sendrecv")


@dataclass
class Offer:
    text: str
    media: list[OfferedMedia]
    # every media section is in one BUNDLE group (browsers: always): the answer must carry them all
    # on the first section's transport; otherwise each section keeps a transport of its own
    bundled: bool = False


def check_content_type(content_type: str | None) -> None:
    if (content_type or "").split(";")[0].strip().lower() != SDP_CONTENT_TYPE:
        raise RelayError(415, "unsupported_media_type", "send the offer as Content-Type: application/sdp")


def parse_offer(body: bytes) -> Offer:
    """Decode and parse an offer; 413 when too large, 400 when it is not a usable SDP offer."""
    if len(body) > MAX_SDP_BYTES:
        raise RelayError(413, "sdp_too_large", f"the offer exceeds {MAX_SDP_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RelayError(400, "malformed_sdp", "the offer is not UTF-8 text") from exc
    if not text.startswith("v=0"):
        raise RelayError(400, "malformed_sdp", "the offer is not an SDP session description (v=0 first)")
    try:
        parsed = sdp.SessionDescription.parse(text)
    except Exception as exc:  # aiortc's parser raises assorted errors on garbage
        raise RelayError(400, "malformed_sdp", f"the offer could not be parsed: {exc}") from exc
    media = [
        OfferedMedia(m.kind, m.direction or "sendrecv", list(m.rtp.codecs))
        for m in parsed.media
        if m.kind in ("audio", "video")
    ]
    if not media:
        raise RelayError(400, "no_media", "the offer has no audio or video section")
    for m in parsed.media:
        if m.kind in ("audio", "video") and not (
            m.ice and m.ice.usernameFragment and m.ice.password and m.dtls and m.dtls.fingerprints
        ):
            raise RelayError(400, "malformed_sdp", "every media section needs ICE credentials and a DTLS fingerprint")
    mids = {m.rtp.muxId for m in parsed.media}
    bundled = any(group.semantic == "BUNDLE" and mids <= {str(item) for item in group.items}
                  for group in parsed.group)
    return Offer(text, media, bundled)
