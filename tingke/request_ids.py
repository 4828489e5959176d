"""One request id per HTTP request, for every plane that serves HTTP (the API, the relay).

The id is the caller's ``X-Request-ID`` when it is sane (nginx's ``$request_id``, the API calling the
relay), else a new one; it is set for every log line written while the request runs (tingke/logs.py) and
returned in the response. A plane that also wants to count or log each finished request (the API's
metrics and access lines) subclasses the middleware and overrides :meth:`finished`, which runs while
the id is still set.
"""

from __future__ import annotations

import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tingke import logs


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def finished(self, scope: Scope, status: int, seconds: float) -> None:
        """Called once per HTTP request after the answer, with the request id still set."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = logs.accept_or_create(Headers(scope=scope).get(logs.REQUEST_ID_HEADER))
        token = logs.request_id.set(rid)
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[logs.REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            try:
                self.finished(scope, status, time.perf_counter() - started)
            finally:
                logs.request_id.reset(token)
