"""The relay's request id: the caller's ``X-Request-ID`` (nginx, the API) or a new one, on every log line
of the request and in its response. A WHIP/WHEP session also logs the id of the API request that
granted its token (the ``rid`` claim), which is how a lesson is followed from the API to the relay."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tingke import logs


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = logs.accept_or_create(Headers(scope=scope).get(logs.REQUEST_ID_HEADER))
        token = logs.request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[logs.REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logs.request_id.reset(token)
