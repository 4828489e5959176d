"""Refuse request bodies over a size limit with 413 before anything reads them, before authentication.

An ASGI middleware, outside routing and every dependency: a request whose ``Content-Length`` is over the
limit is answered at once without reading a byte of its body; a chunked body is counted as it arrives and
refused at the first byte over the limit (the route sees an HTTP 413 error, answered with the JSON error
shape). The limit is ``TINGKE_JSON_BODY_MAX_BYTES`` for JSON and forms. The recording upload routes keep their own
limits and refusals, enforced as they stream (``upload_max_bytes``, ``upload_chunk_max_bytes``): this
middleware leaves them alone. An activity's attached file is parsed as multipart before its route runs, so
it gets ``activity_material_max_bytes`` plus the multipart framing here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from tingke.settings import Settings, get_settings

MULTIPART_OVERHEAD = 64 * 1024  # part headers and boundaries around an attached file

# Routes that stream a large body and check its size themselves (None: no limit here).
RECORDING = re.compile(r"^/api/lessons/\d+/recording$")
UPLOAD_CHUNK = re.compile(r"^/api/uploads/[^/]+$")
MATERIAL = re.compile(r"^/api/activities/\d+/materials$")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` at the first byte over the limit; an HTTP error, so every layer passes it on."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")
        self.limit = limit


def body_limit(scope: Scope, settings: Settings) -> int | None:
    """The largest body this request may carry; None for the recording uploads, which check their own."""
    method, path = scope["method"], scope["path"]
    content_type = Headers(scope=scope).get("content-type", "")
    if method == "POST" and RECORDING.match(path) and not content_type.startswith("application/json"):
        return None
    if method == "PATCH" and UPLOAD_CHUNK.match(path):
        return None
    if method == "POST" and MATERIAL.match(path):
        return settings.activity_material_max_bytes + MULTIPART_OVERHEAD
    return settings.json_body_max_bytes


def _declared(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    return int(value) if value is not None and value.isdigit() else None


def too_large_response(limit: int) -> JSONResponse:
    message = f"The request body is larger than {limit} bytes. 请求内容过大。"
    return JSONResponse(error_body("too_large", message, limit=limit), status_code=413,
                        headers={"Connection": "close"})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope, Settings], int | None] = body_limit) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope, get_settings())
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _declared(scope)
        if declared is not None and declared > limit:
            await too_large_response(limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await too_large_response(limit)(scope, receive, send)
