"""The exposition every plane shares: one process's registry, or all of them in multiprocess mode.

With several processes behind one port (uvicorn ``--workers``), each has its own counters and a
scrape reaches one at random. prometheus-client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``
set before start, emptied at each start by the systemd unit) sums them instead; the deploy units set it.
"""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def exposition(*live: Collector) -> bytes:
    """This process's (or every process's) metrics, then the ``live`` collectors read at scrape time."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    if live:
        extra = CollectorRegistry(auto_describe=False)
        for collector in live:
            extra.register(collector)
        text += generate_latest(extra)
    return text
