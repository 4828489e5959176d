"""The relay's /metrics follows a real room: an aiortc publisher and subscriber move its gauges and counters."""

from __future__ import annotations

import asyncio

import httpx

from testkit import peers
from tests.ops.test_api_signals import samples
from tests.streaming.conftest import RelayProcess


def scrape(relay: RelayProcess) -> str:
    reply = httpx.get(f"{relay.base_url}/metrics", timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.text


def value(text: str, name: str) -> float:
    return samples(text, name)[()]


async def test_relay_metrics_follow_a_room_with_an_aiortc_publisher(relay: RelayProcess, room: str, token) -> None:
    # a scraper that came through a proxy is not local, and has no token
    forwarded = httpx.get(f"{relay.base_url}/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10)
    assert forwarded.status_code == 401
    before = scrape(relay)
    publisher, clock = await peers.publish(relay.base_url, room, token(room), audio=False, remb=False)
    viewer = await peers.watch(relay.base_url, room, token(room, "viewer", sub="2"), audio=0, clock=clock)
    try:
        for _ in range(100):  # until the viewer got pictures (a loaded machine can take a while)
            if viewer.first_frame_seconds() is not None:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        during = scrape(relay)
    finally:
        await viewer.close()
        await publisher.leave()
    assert value(during, "tingke_relay_rooms") >= 1
    assert value(during, "tingke_relay_rooms_publishing") >= 1
    assert value(during, "tingke_relay_publishers") >= 1
    assert value(during, "tingke_relay_subscribers") >= 1
    assert value(during, "tingke_relay_packets_out_total") > value(before, "tingke_relay_packets_out_total")
    assert value(during, "tingke_relay_bytes_out_total") > value(before, "tingke_relay_bytes_out_total")
    assert value(during, "tingke_relay_hub_frames_in") > 0
    assert value(during, "tingke_relay_hub_keyframe_requests") >= 1
    waits = value(during, "tingke_relay_keyframe_wait_seconds_count") - value(before,
                                                                            "tingke_relay_keyframe_wait_seconds_count")
    assert waits >= 1  # the viewer's wait for its first keyframe was observed
