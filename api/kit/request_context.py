"""One ASGI middleware for what every request carries: its request id, its log line, its metrics.

The id is the caller's ``X-Request-ID`` when it is sane (nginx's ``$request_id``), else a new one; it is
returned in the response, set for every log line written while the request runs (tingke/logs.py), put
in the relay grants the request hands out and in the headers of the Celery jobs it sends, so one id
follows a request across planes. In JSON log mode each request also gets one access line.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Scope

from api.kit.metrics import observe, route_template
from tingke.request_ids import RequestIdMiddleware
from tingke.settings import get_settings

log = logging.getLogger("tingke.access")


class RequestContextMiddleware(RequestIdMiddleware):
    """The shared request id, plus the API's metrics and (in JSON log mode) one access line per request."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.access_lines = get_settings().log_format == "json"

    def finished(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_template(scope)
        observe(scope["method"], route, status, seconds)
        if self.access_lines:
            log.info("%s %s %s", scope["method"], scope["path"], status,
                     extra={"method": scope["method"], "path": scope["path"], "route": route,
                            "status": status, "duration_ms": round(seconds * 1000, 1)})
