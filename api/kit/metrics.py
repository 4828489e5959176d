"""The API's Prometheus metrics: requests by route template and status, their durations, lessons live.

Routes are labelled by their template (``/api/lessons/{lesson_id}``), never the raw path, so the
number of series stays bounded; a path no route matched is labelled ``unmatched``. ``/metrics`` is
readable as tingke/metrics_access.py says; lessons live is counted in the database at scrape time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, MutableMapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from api.errors import APIError
from models import Lesson, LessonStatus
from tingke.metrics_access import may_scrape
from tingke.prometheus import CONTENT_TYPE, exposition

REQUESTS = Counter("tingke_http_requests_total", "HTTP requests answered by the API",
                   ["method", "route", "status"])
DURATION = Histogram("tingke_http_request_duration_seconds", "Time to answer an API request",
                     ["method", "route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))

router = APIRouter(tags=["health"])


def route_template(scope: MutableMapping[str, Any]) -> str:
    """The matched route's path template (a mount's prefix for static files), or ``unmatched``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path or "/"
    return "unmatched"


def observe(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    DURATION.labels(method, route).observe(seconds)


class LessonsLive(Collector):
    """Lessons whose status is live, counted when scraped (the database is the truth, not a process)."""

    def __init__(self, count: int) -> None:
        self.count = count

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("tingke_lessons_live", "Lessons live now", value=self.count)


def _count_live(request: Request) -> int:
    with request.app.state.sessionmaker() as session:
        return int(session.scalar(select(func.count()).select_from(Lesson)
                                  .where(Lesson.status == LessonStatus.live)) or 0)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    if not may_scrape(request.client.host if request.client else None, request.headers):
        raise APIError(401, "unauthorized", "/metrics 仅限本机或持有监控令牌的采集器访问。"
                                            "/metrics answers on loopback, or with the metrics token.")
    live = await asyncio.to_thread(_count_live, request)
    return Response(exposition(LessonsLive(live)), media_type=CONTENT_TYPE)
