"""Real aiortc peers through the real relay process: forwarding without decoding."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from testkit import peers
from tests.streaming.conftest import RelayProcess

pytestmark = pytest.mark.slow


def _strictly_advancing(stamps: list[int]) -> bool:
    return len(stamps) > 1 and all(b > a for a, b in itertools.pairwise(stamps))


@pytest.mark.parametrize("codec", ["video/H264", "video/VP8"])
async def test_subscribers_decode_while_the_relay_decodes_nothing(relay: RelayProcess, room: str, token, codec):
    before = relay.stats()
    publisher, clock = await peers.publish(relay.base_url, room, token(room), codec=codec)
    viewers = [await peers.watch(relay.base_url, room, token(room, "viewer", sub=str(n)), clock=clock)
               for n in range(2, 4)]
    for viewer in viewers:
        assert await viewer.frames(60) >= 60, f"{codec}: fewer than 60 frames decoded in 10 s"
        assert await viewer.frames(50, kind="audio") >= 50
    stats = relay.stats()
    for viewer in viewers:
        video = viewer.tracks["video"]
        assert _strictly_advancing(video.stamps), "decoded frames must be the publisher's, in order"
        await viewer.close()
    await publisher.leave()
    hub = next(h for r in stats["rooms"] if r["room"] == room for h in r["hubs"] if h["kind"] == "video")
    assert hub["codec"] == codec
    # The proof: aiortc's decoder factory is wrapped with a counter in the relay process.
    assert stats["decoders_created"] == 0 and stats["frames_decoded"] == 0
    # packet by packet (no recording here, so no frames are reassembled at all)
    assert hub["frames_in"] >= 60
    assert stats["packets_routed"] - before["packets_routed"] >= 110  # 60 video frames, 50 Opus packets
    assert stats["packets_out"] > before["packets_out"]


async def test_late_joiner_gets_a_picture_within_a_second(relay: RelayProcess, room: str, token):
    # aiortc's H.264 publisher sends a keyframe only every 250 frames (8.3 s): only a forwarded
    # keyframe request (PLI to the publisher's media ssrc) makes a late joiner fast.
    publisher, clock = await peers.publish(relay.base_url, room, token(room), audio=False, remb=False)
    first = await peers.watch(relay.base_url, room, token(room, "viewer", sub="2"), audio=0)
    await asyncio.sleep(2.5)
    before = relay.stats()
    plis_before = before["plis_sent"]
    video_hub = next(h for r in before["rooms"] if r["room"] == room for h in r["hubs"] if h["kind"] == "video")
    # the first frame, plus at most one answer per keyframe request the relay forwarded (its first
    # request can reach the publisher just after frame 0 was encoded and be answered by another)
    assert video_hub["keyframes_in"] <= 1 + video_hub["plis_sent"], "the publisher sends keyframes on its own"
    late = await peers.watch(relay.base_url, room, token(room, "viewer", sub="3"), audio=0, clock=clock)
    deadline = time.time() + 5
    while late.first_frame_seconds() is None and time.time() < deadline:
        await asyncio.sleep(0.02)
    took = late.first_frame_seconds()
    stats = relay.stats()
    await late.close()
    await first.close()
    await publisher.leave()
    assert took is not None, "the late joiner got no picture (the next natural keyframe is 8.3 s away)"
    # From the moment media can flow (ICE and DTLS done; on an overloaded machine that alone
    # can take a while) to the first decoded picture.
    assert late.connected is not None
    first_frame_at = late.started + took
    assert first_frame_at - late.connected < 1.0, f"first frame {first_frame_at - late.connected:.2f} s after connect"
    assert stats["plis_sent"] > plis_before
    hub = next(h for r in stats["rooms"] if r["room"] == room for h in r["hubs"] if h["kind"] == "video")
    assert hub["last_keyframe_wait_ms"] < 1000  # relay side: subscribe -> keyframe in its queue


async def test_a_subscriber_that_stops_reading_does_not_slow_the_others(relay: RelayProcess, room: str, token):
    publisher, clock = await peers.publish(relay.base_url, room, token(room), audio=False)
    stalled = await peers.watch(relay.base_url, room, token(room, "viewer", sub="9"), audio=0, read=False)
    readers = [await peers.watch(relay.base_url, room, token(room, "viewer", sub=str(n)), audio=0)
               for n in range(2, 5)]
    await asyncio.sleep(1.5)
    start = time.time()
    await asyncio.sleep(3)
    end = time.time()
    rates = [viewer.tracks["video"].fps(start, end) for viewer in readers]
    sent = sum(1 for t in clock.sent.values() if start <= t <= end) / (end - start)
    for viewer in [stalled, *readers]:
        await viewer.close()
    await publisher.leave()
    # Relative to what the publisher actually produced, so a busy machine does not fail the test.
    assert min(rates) >= 0.85 * sent, f"readers' frame rates {rates} fell behind the publisher's {sent:.1f}"


async def test_audio_and_video_publisher_with_a_video_only_viewer(relay: RelayProcess, room: str, token):
    publisher, _ = await peers.publish(relay.base_url, room, token(room))
    viewer = await peers.watch(relay.base_url, room, token(room, "viewer", sub="2"), audio=0)
    frames = await viewer.frames(30)
    await viewer.close()
    await publisher.leave()
    assert set(viewer.tracks) == {"video"}
    assert frames >= 30


async def test_viewer_without_the_publishers_codec_gets_422(relay: RelayProcess, room: str, token):
    publisher, _ = await peers.publish(relay.base_url, room, token(room), codec="video/H264", audio=False)
    with pytest.raises(peers.SignallingError) as refused:
        await peers.watch(relay.base_url, room, token(room, "viewer", sub="2"), audio=0, codec="video/VP8")
    await publisher.leave()
    assert refused.value.status == 422
    assert "no_usable_codec" in refused.value.body


async def test_publisher_reconnect_keeps_its_subscribers(relay: RelayProcess, room: str, token):
    publisher, clock = await peers.publish(relay.base_url, room, token(room), audio=False)
    viewer = await peers.watch(relay.base_url, room, token(room, "viewer", sub="2"), audio=0, clock=clock)
    await asyncio.sleep(1.5)
    await publisher.kill()
    await asyncio.sleep(0.5)
    frames_at_drop = viewer.tracks["video"].frames
    publisher, _ = await peers.publish(relay.base_url, room, token(room), audio=False, clock=clock)
    frames_after = await viewer.frames(frames_at_drop + 31)
    await viewer.close()
    await publisher.leave()
    assert frames_after - frames_at_drop > 30, "the viewer did not resume after the publisher reconnected"
