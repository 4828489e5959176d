"""WHIP/WHEP signalling against the real relay: auth, bad input, room rules, CORS."""

from __future__ import annotations

import httpx
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from testkit import peers
from tests.streaming.conftest import RelayProcess, live_token


async def _offer(video: bool = True, audio: bool = True, direction: str = "sendonly") -> str:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    if video:
        pc.addTransceiver("video", direction=direction)
    if audio:
        pc.addTransceiver("audio", direction=direction)
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    return sdp


def _post(relay: RelayProcess, path: str, body: str | bytes, token: str | None,
          content_type: str = "application/sdp") -> httpx.Response:
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{relay.base_url}{path}", content=body, headers=headers, timeout=30)


def _error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


@pytest.mark.parametrize(
    ("make_token", "status", "code"),
    [
        (lambda room: None, 401, "unauthorized"),
        (lambda room: live_token(room) + "x", 401, "invalid_token"),
        (lambda room: live_token(room, ttl=-5), 401, "invalid_token"),
        (lambda room: "not-a-token", 401, "invalid_token"),
        (lambda room: live_token("another-room"), 403, "wrong_room"),
        (lambda room: live_token(room, role="viewer"), 403, "wrong_role"),
    ],
)
async def test_whip_token_errors(relay: RelayProcess, room: str, make_token, status, code):
    response = _post(relay, f"/whip/{room}", await _offer(), make_token(room))
    assert response.status_code == status
    assert _error_code(response) == code
    assert "message" in response.json()["error"]


async def test_bad_sdp_is_refused_with_a_clear_4xx(relay: RelayProcess, room: str):
    token = live_token(room)
    offer = await _offer()
    assert _post(relay, f"/whip/{room}", offer, token, "text/plain").status_code == 415
    big = _post(relay, f"/whip/{room}", offer + "a=x-pad:" + "x" * 70_000 + "\r\n", token)
    assert (big.status_code, _error_code(big)) == (413, "sdp_too_large")
    garbage = _post(relay, f"/whip/{room}", "hello, relay", token)
    assert (garbage.status_code, _error_code(garbage)) == (400, "malformed_sdp")
    binary = _post(relay, f"/whip/{room}", b"v=0\r\n\xff\xfe", token)
    assert binary.status_code == 400
    no_media = _post(relay, f"/whip/{room}", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", token)
    assert (no_media.status_code, _error_code(no_media)) == (400, "no_media")
    unknown_codec = offer.replace("VP8/90000", "XV9/90000").replace("H264/90000", "XH9/90000")
    unknown_codec = unknown_codec.replace("opus/48000", "xopus/48000").replace("PCMU/8000", "XPCMU/8000")
    unknown_codec = unknown_codec.replace("PCMA/8000", "XPCMA/8000")
    refused = _post(relay, f"/whip/{room}", unknown_codec, token)
    assert (refused.status_code, _error_code(refused)) == (422, "no_usable_codec")
    receive_only = _post(relay, f"/whip/{room}", await _offer(direction="recvonly"), token)
    assert (receive_only.status_code, _error_code(receive_only)) == (400, "nothing_published")
    # Nothing was harmed: the room still takes a good publisher.
    publisher, _ = await peers.publish(relay.base_url, room, token)
    assert (await publisher.leave()) == 200
    assert httpx.get(f"{relay.base_url}/health").json()["status"] == "ok"


async def test_whep_before_any_publisher_is_404(relay: RelayProcess, room: str):
    response = _post(relay, f"/whep/{room}", await _offer(direction="recvonly"), live_token(room, "viewer"))
    assert (response.status_code, _error_code(response)) == (404, "not_live")


async def test_second_publisher_on_a_broadcast_room_gets_409(relay: RelayProcess, room: str):
    first, _ = await peers.publish(relay.base_url, room, live_token(room, sub="1"), audio=False)
    second = _post(relay, f"/whip/{room}", await _offer(), live_token(room, sub="2"))
    assert (second.status_code, _error_code(second)) == (409, "room_busy")
    # The same user publishing again replaces the old session instead (a phone reconnecting).
    again, _ = await peers.publish(relay.base_url, room, live_token(room, sub="1"), audio=False)
    assert (await again.leave()) == 200
    await first.pc.close()


async def test_session_resource_delete_patch_and_cors(relay: RelayProcess, room: str):
    token = live_token(room)
    publisher, _ = await peers.publish(relay.base_url, room, token, audio=False)
    location = publisher.location
    assert location.startswith(f"/whip/{room}/")
    patch = httpx.patch(f"{relay.base_url}{location}", headers={"Authorization": f"Bearer {token}"})
    # PATCH takes ICE fragments now (tests/streaming/test_whip_standard.py); anything else is a 415
    assert patch.status_code == 415 and patch.headers["accept-patch"] == "application/trickle-ice-sdpfrag"
    someone_else = httpx.delete(f"{relay.base_url}{location}",
                                headers={"Authorization": f"Bearer {live_token(room, sub='2')}"})
    assert someone_else.status_code == 403
    preflight = httpx.options(f"{relay.base_url}/whip/{room}", headers={
        "Origin": "http://pages.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "http://pages.example")
    assert "POST" in preflight.headers["access-control-allow-methods"]
    viewer = _post(relay, f"/whep/{room}", await _offer(audio=False, direction="recvonly"),
                   live_token(room, "viewer", sub="5"))
    assert viewer.status_code == 201
    assert viewer.headers["content-type"].startswith("application/sdp")
    assert "a=end-of-candidates" in viewer.text or "a=candidate" in viewer.text
    status = httpx.get(f"{relay.base_url}/rooms/{room}", headers={"Authorization": f"Bearer {token}"}).json()
    assert status["publishers"][0]["kinds"] == ["video"] and status["viewers"] == 1
    assert (await publisher.leave()) == 200
    gone = httpx.delete(f"{relay.base_url}{location}", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 404


async def test_stats_and_health(relay: RelayProcess):
    stats = relay.stats()
    for key in ("decoders_created", "frames_forwarded", "packets_out", "plis_sent", "overflow_resets", "pid"):
        assert key in stats
    health = httpx.get(f"{relay.base_url}/health").json()
    assert health["forwarding"] is True
