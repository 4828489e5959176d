"""One ASGI middleware for what every request carries: its request id, its log line, its metrics.

The id is the caller's ``X-Request-ID`` when it is sane (nginx's ``$request_id``), else a new one; it is
returned in the response, set for every log line written while the request runs (tingke/logs.py), put
in the relay grants the request hands out and in the headers of the Celery jobs it sends, so one id
follows a request across planes. In JSON log mode each request also gets one access line.
"""

from __future__ import annotations

import logging
import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.kit.metrics import observe, route_template
from tingke import logs
from tingke.settings import get_settings

log = logging.getLogger("tingke.access")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.access_lines = get_settings().log_format == "json"

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
            seconds = time.perf_counter() - started
            route = route_template(scope)
            observe(scope["method"], route, status, seconds)
            if self.access_lines:
                log.info("%s %s %s", scope["method"], scope["path"], status,
                         extra={"method": scope["method"], "path": scope["path"], "route": route,
                                "status": status, "duration_ms": round(seconds * 1000, 1)})
            logs.request_id.reset(token)
