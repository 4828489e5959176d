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
