"""The workers' Prometheus metrics, and the small HTTP exporter each worker process runs.

A worker is one process (solo pool: the task runs in it), so its counters are its own and honest:
stage durations (ran, cached or skipped) and job outcomes of this process. Jobs by stage and state
come from the Job rows at scrape time, the truth every worker shares (so every exporter reports the
same totals: sum the per-process counters, not ``tingke_jobs``). The exporter is off unless
``TINGKE_WORKER_METRICS_PORT`` is set; it binds ``TINGKE_WORKER_METRICS_HOST`` (loopback by default)
and answers as tingke/metrics_access.py says.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from models import Job, JobState
from models.db import session_scope
from tingke.metrics_access import may_scrape
from tingke.prometheus import CONTENT_TYPE, exposition
from tingke.settings import get_settings

log = logging.getLogger(__name__)

STAGE_SECONDS = Histogram("tingke_job_stage_duration_seconds", "Time a pipeline stage took in this worker",
                          ["stage", "outcome"],
                          buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600))
JOBS_ENDED = Counter("tingke_jobs_ended_total", "Jobs this worker took up, by how its run ended", ["outcome"])


def observe_stage(stage: str, seconds: float, extra: dict[str, Any]) -> None:
    outcome = "skipped" if "skipped" in extra else "cached" if extra.get("cached") else "ran"
    STAGE_SECONDS.labels(stage, outcome).observe(seconds)


class JobsByState(Collector):
    """``tingke_jobs{stage,state}``: the Job rows, counted when scraped."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("tingke_jobs", "Jobs by their current stage and state", labels=["stage", "state"])
        with session_scope(get_settings().db_url) as session:
            rows = session.execute(select(Job.stage, Job.state, func.count()).group_by(Job.stage, Job.state)).all()
        for stage, state, count in rows:
            family.add_metric([stage or "", JobState(state).value], count)
        yield family


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.split("?")[0] != "/metrics":
            self._answer(404, b"not found\n", "text/plain")
        elif not may_scrape(self.client_address[0], {k.lower(): v for k, v in self.headers.items()}):
            self._answer(401, b"/metrics answers on loopback, or with the metrics token\n", "text/plain")
        else:
            try:
                body = exposition(JobsByState())
            except Exception:  # the database being down must not kill the exporter thread
                log.exception("worker metrics: could not read the jobs")
                body = exposition()
            self._answer(200, body, CONTENT_TYPE)

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("worker metrics: " + format, *args)


def start_exporter() -> ThreadingHTTPServer | None:
    """Serve /metrics on a daemon thread when a port is configured; the bound server, else None."""
    settings = get_settings()
    if not settings.worker_metrics_port:
        return None
    server = ThreadingHTTPServer((settings.worker_metrics_host, settings.worker_metrics_port), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="metrics-exporter", daemon=True).start()
    log.info("worker metrics on http://%s:%s/metrics", settings.worker_metrics_host, server.server_address[1])
    return server
