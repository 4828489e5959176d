"""Read just enough of an encoded frame to know whether a decoder can start from it.

The relay never decodes, but it must know where a new subscriber (or a recording segment)
can begin: an H.264 IDR/SPS or a VP8 key frame. Audio frames (Opus) are all independent.
"""

from __future__ import annotations

H264_NAL_IDR = 5
H264_NAL_SPS = 7


def is_keyframe(codec_name: str, data: bytes) -> bool:
    """True when ``data`` (one depayloaded frame as aiortc reassembles it) starts a decodable picture."""
    name = codec_name.upper()
    if name == "VP8":
        # RFC 6386 section 9.1: bit 0 of the frame tag is the inverted key-frame flag.
        return len(data) > 0 and not data[0] & 0x01
    if name == "H264":
        return _h264_has_idr(data)
    return True


def _h264_has_idr(data: bytes) -> bool:
    """Scan the Annex-B byte stream for an IDR slice or a sequence parameter set."""
    index = 0
    while True:
        index = data.find(b"\x00\x00\x01", index)
        if index < 0 or index + 3 >= len(data):
            return False
        nal_type = data[index + 3] & 0x1F
        if nal_type in (H264_NAL_IDR, H264_NAL_SPS):
            return True
        index += 3


def vp8_dimensions(data: bytes) -> tuple[int, int] | None:
    """Width and height from a VP8 key frame header (RFC 6386 section 9.1), else None."""
    if len(data) < 10 or data[0] & 0x01 or data[3:6] != b"\x9d\x01\x2a":
        return None
    width = int.from_bytes(data[6:8], "little") & 0x3FFF
    height = int.from_bytes(data[8:10], "little") & 0x3FFF
    return width, height


H264_STAP_A = 24
H264_FU_A = 28


def rtp_starts_keyframe(codec_name: str, payload: bytes) -> bool:
    """True when ``payload`` (one RTP packet's payload, padding removed) is the first packet of
    a frame a decoder can start from. The relay forwards packets as they arrive, so a subscriber
    waiting for a keyframe must recognise one from its first packet alone.

    H.264 (RFC 6184): a single NAL unit, the first units of a STAP-A, or the start of a FU-A
    carrying an IDR slice or an SPS. VP8 (RFC 7741): the start of partition 0 with the
    key-frame bit (P, inverted) clear. Audio packets are all independent.
    """
    name = codec_name.upper()
    if not payload:
        return False
    if name == "H264":
        nal_type = payload[0] & 0x1F
        if nal_type == H264_STAP_A:
            index = 1
            while index + 2 < len(payload):
                if payload[index + 2] & 0x1F in (H264_NAL_IDR, H264_NAL_SPS):
                    return True
                index += 2 + int.from_bytes(payload[index:index + 2], "big")
            return False
        if nal_type == H264_FU_A:
            return len(payload) > 1 and payload[1] & 0x80 != 0 and payload[1] & 0x1F == H264_NAL_IDR
        return nal_type in (H264_NAL_IDR, H264_NAL_SPS)
    if name == "VP8":
        descriptor = payload[0]
        if not descriptor & 0x10 or descriptor & 0x07:  # not the start of partition 0
            return False
        index = 1
        if descriptor & 0x80 and len(payload) > 1:  # extended control bits
            extension = payload[1]
            index = 2
            if extension & 0x80 and len(payload) > index:  # picture id, 7 or 15 bits
                index += 2 if payload[index] & 0x80 else 1
            if extension & 0x40:  # TL0PICIDX
                index += 1
            if extension & 0x30:  # TID/KEYIDX byte
                index += 1
        return len(payload) > index and not payload[index] & 0x01
    return True
