"""ICE restart through PATCH with a real aiortc publisher (a phone moving from Wi-Fi to mobile data):
the same WHIP session resource, the same recording, viewers keep receiving, no "gone" publisher."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from streaming import sdpfrag
from testkit import peers
from tests.streaming.conftest import RelayProcess, live_token

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayProcess]:
    """Records rooms that are not lessons (nothing to register), so no database is involved."""
    process = RelayProcess(tmp_path_factory.mktemp("relay-restart"), live_grace_seconds=5, live_segment_seconds=2,
                           live_hls="false")
    yield process
    process.stop()


async def _frames_grow(viewer: peers.Viewer, more: int, timeout: float = 15.0) -> bool:
    start = viewer.tracks["video"].frames
    return await viewer.frames(start + more, timeout=timeout) >= start + more


async def test_an_ice_restart_keeps_the_session_its_recording_and_its_viewers(recording, room):
    token = live_token(room, sub="1")
    auth = {"Authorization": f"Bearer {token}"}
    publisher, _ = await peers.publish(recording.base_url, room, token)
    viewer = await peers.watch(recording.base_url, room, live_token(room, "viewer", sub="2"))
    try:
        assert await _frames_grow(viewer, 30)
        before = httpx.get(f"{recording.base_url}/rooms/{room}", headers=auth, timeout=10).json()
        location, old_pc = publisher.location, publisher.pc

        restarted = await publisher.restart_ice()
        assert restarted.status_code == 200, restarted.text
        assert restarted.headers["content-type"].startswith(sdpfrag.CONTENT_TYPE)
        assert restarted.headers["etag"] != publisher.headers["etag"]
        frag = sdpfrag.parse(restarted.content)
        assert frag.ufrag and frag.candidates  # the relay's new credentials and candidates
        assert publisher.pc is not old_pc and publisher.location == location

        assert await _frames_grow(viewer, 60), "the viewer stopped receiving after the restart"
        after = httpx.get(f"{recording.base_url}/rooms/{room}", headers=auth, timeout=10).json()
        assert after["revision"] == before["revision"]  # subscribers were not asked to re-subscribe
        (main,) = after["publishers"]
        assert main["live"] is True and main["gone"] is None
        stats = recording.stats()
        assert stats["sessions"] == {"whip": 1, "whep": 1}

        # the old ETag names the ICE session before the restart; the new one takes trickle
        stale = httpx.patch(f"{recording.base_url}{location}", content=b"a=end-of-candidates\r\n", timeout=10,
                            headers={**auth, "Content-Type": sdpfrag.CONTENT_TYPE,
                                     "If-Match": publisher.headers["etag"]})
        assert stale.status_code == 412
        fresh = httpx.patch(f"{recording.base_url}{location}", content=b"a=end-of-candidates\r\n", timeout=10,
                            headers={**auth, "Content-Type": sdpfrag.CONTENT_TYPE,
                                     "If-Match": restarted.headers["etag"]})
        assert fresh.status_code == 204

        await asyncio.sleep(2)
        ended = httpx.post(f"{recording.base_url}/rooms/{room}/end", headers=auth, timeout=60).json()
        (part,) = ended["recordings"]  # one recording went on through the restart
        assert part["label"] == "main" and part["segments"] >= 2
        assert sum(g["end"] - g["start"] for g in part["gaps"]) < 2.0  # at most the handshake's pause
    finally:
        await viewer.close()
        await publisher.pc.close()


async def test_a_viewer_restarts_ice_in_its_whep_session(recording, room):
    publisher, _ = await peers.publish(recording.base_url, room, live_token(room, sub="1"))
    viewer = await peers.watch(recording.base_url, room, live_token(room, "viewer", sub="2"))
    collected: list[tuple[dict[str, peers.ReceivedTrack], list[asyncio.Task[None]]]] = []
    try:
        assert await _frames_grow(viewer, 20)
        location = viewer.peer.location
        restarted = await viewer.peer.restart_ice(prepare=lambda pc: collected.append(peers.collect_tracks(pc)))
        assert restarted.status_code == 200, restarted.text
        assert viewer.peer.location == location
        ((received, _),) = collected
        deadline = asyncio.get_running_loop().time() + 15
        while asyncio.get_running_loop().time() < deadline and (received.get("video") is None
                                                              or received["video"].frames < 20):
            await asyncio.sleep(0.1)
        assert received["video"].frames >= 20  # the same session, on its new connection
        assert recording.stats()["sessions"] == {"whip": 1, "whep": 1}
    finally:
        for _, tasks in collected:
            for task in tasks:
                task.cancel()
        await viewer.close()
        await publisher.leave()
