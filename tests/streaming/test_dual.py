"""A dual-teacher room (双师课堂): classrooms publish and receive each other; observers get all."""

from __future__ import annotations

import asyncio
import json

import pytest

from testkit import peers
from tests.streaming.conftest import RelayProcess, live_token

pytestmark = pytest.mark.slow


def _labels(viewer: peers.Viewer) -> list[str]:
    return sorted(t["label"] for t in json.loads(viewer.peer.headers["x-tingke-tracks"]) if t["kind"] == "video")


async def test_two_classrooms_receive_each_other_and_an_observer_gets_both(relay: RelayProcess, room: str):
    def classroom(label: str, sub: str) -> str:
        return live_token(room, "classroom", "dual", sub=sub, label=label)

    master, master_clock = await peers.publish(relay.base_url, room, classroom("主讲", "1"))
    rural, rural_clock = await peers.publish(relay.base_url, room, classroom("辅助一", "2"))
    # Each classroom receives the others through a WHEP session made with its own token.
    master_sees = await peers.watch(relay.base_url, room, classroom("主讲", "1"), clock=rural_clock)
    rural_sees = await peers.watch(relay.base_url, room, classroom("辅助一", "2"), clock=master_clock)
    observer = await peers.watch(relay.base_url, room, live_token(room, "viewer", "dual", sub="9"), video=2, audio=2)
    for viewer in (master_sees, rural_sees):
        await viewer.frames(46)
    for key in [k for k in observer.tracks if k.startswith("video")]:
        await observer.frames(46, kind=key)
    for viewer in (master_sees, rural_sees, observer):
        await viewer.close()
    await master.leave()
    await rural.leave()

    assert _labels(master_sees) == ["辅助一"] and _labels(rural_sees) == ["主讲"]
    assert master_sees.tracks["video"].frames > 45 and rural_sees.tracks["video"].frames > 45
    # Stamps prove each side decoded the OTHER classroom's pictures (both clocks started near 0,
    # so check latency matched against the right publisher's capture times).
    assert master_sees.tracks["video"].latencies and rural_sees.tracks["video"].latencies
    assert max(master_sees.tracks["video"].latencies) < 2 and max(rural_sees.tracks["video"].latencies) < 2
    assert _labels(observer) == ["主讲", "辅助一"]
    videos = [t for t in observer.tracks.values() if t.kind == "video"]
    assert len(videos) == 2 and all(t.frames > 45 for t in videos)


async def test_a_dual_room_is_not_a_broadcast_room_and_has_four_seats(relay: RelayProcess, room: str):
    first, _ = await peers.publish(relay.base_url, room, live_token(room, "classroom", "dual", sub="1", label="A"),
                                   audio=False)
    with pytest.raises(peers.SignallingError) as wrong_mode:
        await peers.publish(relay.base_url, room, live_token(room, "publisher", "broadcast", sub="5"), audio=False)
    assert wrong_mode.value.status == 409
    others = [await peers.publish(relay.base_url, room,
                                  live_token(room, "classroom", "dual", sub=str(n), label=f"C{n}"), audio=False)
              for n in range(2, 5)]
    with pytest.raises(peers.SignallingError) as full:
        await peers.publish(relay.base_url, room, live_token(room, "classroom", "dual", sub="6", label="C6"),
                            audio=False)
    assert full.value.status == 409 and "room_full" in full.value.body
    for peer, _ in [(first, None), *others]:
        await peer.leave()


@pytest.mark.parametrize("interleaved", [True, False], ids=["audio-video-per-classroom", "videos-first"])
async def test_an_observer_receives_every_section_of_every_classroom(relay: RelayProcess, room: str,
                                                                     interleaved: bool):
    """Regression (issue 12 part 3): an observer's offer has two sections of each kind, all in one
    BUNDLE group. The relay used to answer with aiortc's "balanced" transports: the second section of
    a kind stayed on a transport that was then stopped, so one classroom's video (browsers offer audio,
    video, audio, video) or audio (all videos first) never arrived."""
    def classroom(label: str, sub: str) -> str:
        return live_token(room, "classroom", "dual", sub=sub, label=label)

    master, _ = await peers.publish(relay.base_url, room, classroom("主讲", "1"))
    rural, _ = await peers.publish(relay.base_url, room, classroom("辅助一", "2"))
    observer = await peers.watch(relay.base_url, room, live_token(room, "viewer", "dual", sub="9"), video=2, audio=2,
                                 interleaved=interleaved)
    try:
        for key in list(observer.tracks):
            await observer.frames(20, kind=key)
        received = {key: track.frames for key, track in observer.tracks.items()}
    finally:
        await observer.close()
        await master.leave()
        await rural.leave()
    assert _labels(observer) == ["主讲", "辅助一"]
    assert len(received) == 4 and all(frames >= 20 for frames in received.values()), received


def _status(relay: RelayProcess, room: str, token: str) -> dict:
    import httpx

    reply = httpx.get(f"{relay.base_url}/rooms/{room}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()


async def test_the_room_status_says_who_left_and_that_the_master_ended_the_lesson(relay: RelayProcess, room: str):
    """The pages show a classroom that left (and one whose connection was lost) and the end of the lesson
    from ``GET /rooms/{room}``: a classroom's departure used to leave it listed as before, and an ended
    room looked like one that had not started."""
    import httpx

    def classroom(label: str, sub: str, master: bool = False) -> str:
        return live_token(room, "classroom", "dual", sub=sub, label=label, master=master)

    master_token = classroom("主讲", "1", master=True)
    master, _ = await peers.publish(relay.base_url, room, master_token, audio=False)
    rural, _ = await peers.publish(relay.base_url, room, classroom("辅助一", "2"), audio=False)
    third, _ = await peers.publish(relay.base_url, room, classroom("辅助二", "3"), audio=False)
    viewer = live_token(room, "viewer", "dual", sub="9")
    assert [(p["label"], p["live"], p["gone"]) for p in _status(relay, room, viewer)["publishers"]] == [
        ("主讲", True, None), ("辅助一", True, None), ("辅助二", True, None)]

    assert await rural.leave() == 200
    await third.kill()  # no DELETE: the relay sees the connection end
    deadline = asyncio.get_running_loop().time() + 40
    while True:
        gone = {p["label"]: p["gone"] for p in _status(relay, room, viewer)["publishers"]}
        if gone["辅助二"] is not None or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.5)
    assert gone == {"主讲": None, "辅助一": "left", "辅助二": "lost"}
    status = _status(relay, room, viewer)
    assert status["live"] and not status["ended"]

    ended = httpx.post(f"{relay.base_url}/rooms/{room}/end", headers={"Authorization": f"Bearer {master_token}"},
                       timeout=30)
    assert ended.status_code == 200, ended.text
    await master.kill()
    after = _status(relay, room, viewer)
    assert after["live"] is False and after["ended"] is True and after["end_reason"] == "ended_by_publisher"
    never = _status(relay, "room-never-opened", live_token("room-never-opened", "viewer", "dual", sub="9"))
    assert never["ended"] is False and never["end_reason"] is None
