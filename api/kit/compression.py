"""Compressed responses for weak links: HTML, JSON, playlists and WebVTT go out gzip-compressed.

Starlette's GZip middleware does the work (streams too); it leaves alone what is already encoded (the
static files, compressed once in api/kit/assets.py), partial (206) replies, event streams, and media and
other binary types that do not shrink. Level 6: most of level 9's gain for a fraction of its CPU, on a
2-core machine that also transcodes.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

MINIMUM_BYTES = 1024  # below this a compressed reply saves less than a packet
EXCLUDED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/octet-stream", "video/mp2t", "video/iso.segment",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (``gzip;q=0`` refuses it)."""
    for item in accept_encoding.lower().split(","):
        name, _, params = item.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip().removeprefix("q=")
            return not (params.strip().startswith("q=") and q.replace(".", "", 1).isdigit() and float(q) == 0)
    return False


def install_compression(app: FastAPI) -> None:
    app.add_middleware(GZipMiddleware, minimum_size=MINIMUM_BYTES, compresslevel=6,
                       exclude_content_types=EXCLUDED)
