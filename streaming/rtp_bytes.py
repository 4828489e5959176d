"""RTP's wire format (RFC 3550, RFC 8285), read and written as bytes: no aiortc here.

The relay's hot paths build and read RTP headers with ``struct`` instead of aiortc's ``RtpPacket``
(see ``streaming/aiortc_bridge/outbound.py`` and ``media_route.py``); this module names the layout
and the bits they use.
"""

from __future__ import annotations

import struct
import time

HEADER = struct.Struct("!BBHII")
"""The fixed header: first byte, second byte, sequence number, timestamp, ssrc."""
HEADER_SIZE = HEADER.size  # 12
SSRC = slice(8, 12)  # where the ssrc stands in the fixed header
EXTENSION_HEADER = struct.Struct("!HH")
"""A header-extension block's profile and its length in 32-bit words."""
ONE_BYTE_PROFILE = b"\xbe\xde"  # RFC 8285's one-byte-header extension profile

# first byte
VERSION_2 = 0x80
PADDING_BIT = 0x20
EXTENSION_BIT = 0x10
CSRC_COUNT = 0x0F
# second byte
MARKER_BIT = 0x80
PAYLOAD_TYPE = 0x7F

SEQUENCE_MASK = 0xFFFF
TIMESTAMP_MASK = 0xFFFFFFFF
HALF_SEQUENCE_SPACE = 0x8000  # a sequence number less than this far ahead counts as newer

NTP_UNIX_OFFSET = 2208988800  # seconds from 1900 (NTP epoch) to 1970


def is_rtp_or_rtcp(first_byte: int) -> bool:
    """RTP/RTCP's first byte is 128-191 (RFC 7983: STUN's is 0-3, DTLS's 20-63)."""
    return 127 < first_byte < 192


def payload_offset(plain: bytes, first_byte: int) -> int:
    """Where the payload of an RTP packet starts (after CSRCs and header extension)."""
    offset = HEADER_SIZE + 4 * (first_byte & CSRC_COUNT)
    if first_byte & EXTENSION_BIT:
        offset += 4 + 4 * int.from_bytes(plain[offset + 2:offset + 4], "big")
    return offset


def abs_send_time(plain: bytes, first_byte: int, extension_id: int) -> int | None:
    """The abs-send-time value of a one-byte-header extension block (RFC 8285), if present."""
    if not first_byte & EXTENSION_BIT or not extension_id:
        return None
    start = HEADER_SIZE + 4 * (first_byte & CSRC_COUNT)
    if plain[start:start + 2] != ONE_BYTE_PROFILE:
        return None
    index = start + 4
    end = min(index + 4 * int.from_bytes(plain[start + 2:start + 4], "big"), len(plain))
    while index < end:
        element = plain[index]
        if element == 0:  # padding byte
            index += 1
            continue
        length = (element & 0x0F) + 1
        if element >> 4 == extension_id and length == 3:
            return int.from_bytes(plain[index + 1:index + 4], "big")
        index += 1 + length
    return None


def ntp_now() -> int:
    """Now as a 64-bit NTP timestamp (32.32 fixed point)."""
    return int((time.time() + NTP_UNIX_OFFSET) * 4294967296.0)


def ntp_now_ms() -> int:
    """Now in milliseconds since the NTP epoch, as aiortc's ``clock.current_ms()``."""
    return int((time.time() + NTP_UNIX_OFFSET) * 1000)
