"""The relay's Prometheus metrics, read from the counters the relay already keeps (``relay_stats``).

Nothing new is counted on the forwarding path: a scrape reads the registry's rooms, sessions and
hubs like ``GET /stats`` does. Packets and bytes sent include closed sessions' (the registry keeps
them), so they are true counters; the per-hub counters (frames in, keyframe requests, PLIs, gated
drops) are of the hubs live now and are gauges. A consumer's wait for its first keyframe is observed
once per consumer into a histogram (streaming/hub.py). Each relay process has its own port and its
own ``/metrics``; readable as tingke/metrics_access.py says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

KEYFRAME_WAIT = Histogram("tingke_relay_keyframe_wait_seconds",
                          "A new subscriber's wait for its first keyframe, on the relay",
                          buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16))

HUB_GAUGES = {  # relay_stats key -> (metric, help)
    "frames_in": ("tingke_relay_hub_frames_in", "Frames received by the hubs live now"),
    "keyframe_requests": ("tingke_relay_hub_keyframe_requests", "Keyframes asked for by the hubs live now"),
    "plis_sent": ("tingke_relay_hub_plis_sent", "PLIs sent to publishers by the hubs live now"),
    "gated_drops": ("tingke_relay_hub_gated_drops", "Packets held back while a subscriber waits for a keyframe"),
    "overflow_resets": ("tingke_relay_hub_overflow_resets", "Subscribers that fell behind and restarted"),
    "max_queue": ("tingke_relay_max_queue", "Longest subscriber queue now (frames)"),
}


class RelayCollector(Collector):
    """Reads ``stats()`` (``streaming.routes.relay_stats``) when scraped."""

    def __init__(self, stats: Callable[[], dict[str, Any]]) -> None:
        self.stats = stats

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        s = self.stats()
        rooms = s["rooms"]
        yield GaugeMetricFamily("tingke_relay_rooms", "Rooms on this relay", value=len(rooms))
        yield GaugeMetricFamily("tingke_relay_rooms_publishing", "Rooms with at least one publisher connected",
                                value=sum(1 for r in rooms if any(p["live"] for p in r["publishers"])))
        yield GaugeMetricFamily("tingke_relay_publishers", "WHIP sessions (publishers)", value=s["sessions"]["whip"])
        yield GaugeMetricFamily("tingke_relay_subscribers", "WHEP sessions (subscribers)",
                                value=s["sessions"]["whep"])
        yield CounterMetricFamily("tingke_relay_packets_out", "RTP packets sent to subscribers", value=s["packets_out"])
        yield CounterMetricFamily("tingke_relay_bytes_out", "RTP payload bytes sent to subscribers",
                                  value=s["octets_out"])
        for key, (name, doc) in HUB_GAUGES.items():
            yield GaugeMetricFamily(name, doc, value=s[key])
        waits = [h["max_keyframe_wait_ms"] for r in rooms for h in r.get("hubs", [])]
        yield GaugeMetricFamily("tingke_relay_keyframe_wait_max_seconds",
                                "Longest first-keyframe wait among the hubs live now",
                                value=max(waits, default=0.0) / 1000)
