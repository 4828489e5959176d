"""RFC 9725 on the real relay: Link ice-server headers with minted TURN credentials, Accept-Post on
OPTIONS, ETag and Accept-Patch on answers, trickle ICE through PATCH and the refusals a bad PATCH gets."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator

import httpx
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from streaming import sdpfrag
from testkit import peers
from tests.streaming.conftest import RelayProcess, live_token
from tingke.turn import credential_for

SECRET = "turn-test-secret"
TURN_URL = "turn:127.0.0.1:3478?transport=udp"
LINK = re.compile(r'<([^>]+)>; rel="ice-server"(?:; username="([^"]*)")?(?:; credential="([^"]*)")?')


@pytest.fixture(scope="module")
def turn_relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayProcess]:
    process = RelayProcess(tmp_path_factory.mktemp("relay-turn"), live_record="false", live_grace_seconds=2,
                           turn_secret=SECRET, turn_urls=TURN_URL, turn_ttl_seconds=3600)
    yield process
    process.stop()


def _links(response: httpx.Response) -> list[tuple[str, str, str]]:
    return [LINK.match(v.strip()).groups("") for v in response.headers.get_list("link")]  # type: ignore[union-attr]


def _check_turn_link(links: list[tuple[str, str, str]], user: str) -> None:
    (url, username, credential), = [x for x in links if x[0].startswith("turn:")]
    assert url == TURN_URL
    expiry, who = username.split(":")
    assert who == user and 3500 < int(expiry) - time.time() <= 3600
    assert credential == credential_for(SECRET, username)


def test_options_answers_accept_post_and_gives_credentials_only_with_a_token(turn_relay, room):
    anonymous = httpx.options(f"{turn_relay.base_url}/whip/{room}", timeout=10)
    assert anonymous.status_code == 204
    assert anonymous.headers["accept-post"] == "application/sdp"
    assert "POST" in anonymous.headers["allow"]
    assert anonymous.headers.get_list("link") == []  # no token, no TURN credentials
    signed = httpx.options(f"{turn_relay.base_url}/whep/{room}", timeout=10,
                           headers={"Authorization": f"Bearer {live_token(room, 'viewer', sub='7')}"})
    assert signed.status_code == 204 and signed.headers["accept-post"] == "application/sdp"
    _check_turn_link(_links(signed), "7")
    forged = httpx.options(f"{turn_relay.base_url}/whip/{room}", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert forged.status_code == 401


async def test_answers_carry_location_etag_accept_patch_and_ice_server_links(turn_relay, room):
    publisher, _ = await peers.publish(turn_relay.base_url, room, live_token(room, sub="3"))
    viewer = await peers.watch(turn_relay.base_url, room, live_token(room, "viewer", sub="4"))
    try:
        for peer, base in ((publisher, "/whip/"), (viewer.peer, "/whep/")):
            assert peer.location.startswith(f"{base}{room}/")
            assert re.fullmatch(r'"[^"]+"', peer.headers["etag"])
            assert peer.headers["accept-patch"] == sdpfrag.CONTENT_TYPE
        async with httpx.AsyncClient(base_url=turn_relay.base_url, timeout=30) as http:
            offer = await _offer_without_candidates()
            again = await http.post(f"/whep/{room}", content=offer[0].encode(), headers={
                "Content-Type": "application/sdp", "Authorization": f"Bearer {live_token(room, 'viewer', sub='5')}"})
            await offer[1].close()
        assert again.status_code == 201
        _check_turn_link(_links(again), "5")
        options = httpx.options(f"{turn_relay.base_url}{publisher.location}", timeout=10)
        assert options.headers["accept-patch"] == sdpfrag.CONTENT_TYPE and "PATCH" in options.headers["allow"]
    finally:
        await viewer.close()
        await publisher.leave()


async def _offer_without_candidates() -> tuple[str, RTCPeerConnection]:
    """A trickle client's offer: every section, but no candidate (they follow by PATCH)."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = "\r\n".join(line for line in pc.localDescription.sdp.splitlines()
                      if not line.startswith(("a=candidate:", "a=end-of-candidates"))) + "\r\n"
    return sdp, pc


async def test_trickled_candidates_are_accepted_and_the_session_connects(relay, room):
    publisher, _ = await peers.publish(relay.base_url, room, live_token(room))
    token = live_token(room, "viewer", sub="9")
    sdp, pc = await _offer_without_candidates()
    received, tasks = peers.collect_tracks(pc)
    try:
        async with httpx.AsyncClient(base_url=relay.base_url, timeout=30) as http:
            created = await http.post(f"/whep/{room}", content=sdp.encode(), headers={
                "Content-Type": "application/sdp", "Authorization": f"Bearer {token}"})
            assert created.status_code == 201
            await pc.setRemoteDescription(RTCSessionDescription(sdp=created.text, type="answer"))
            fragment = sdpfrag.answer_fragment(pc.localDescription.sdp) + "a=end-of-candidates\r\n"
            patched = await http.patch(created.headers["location"], content=fragment.encode(), headers={
                "Content-Type": sdpfrag.CONTENT_TYPE, "If-Match": created.headers["etag"],
                "Authorization": f"Bearer {token}"})
        assert patched.status_code == 204, patched.text
        deadline = time.time() + 15
        while time.time() < deadline and (received.get("video") is None or received["video"].frames < 10):
            await asyncio.sleep(0.1)
        assert received["video"].frames >= 10
    finally:
        for task in tasks:
            task.cancel()
        await pc.close()
        await publisher.leave()


async def test_bad_patches_are_refused_with_the_rfc_status(relay, room):
    token = live_token(room, sub="1")
    publisher, _ = await peers.publish(relay.base_url, room, token)
    location, etag = publisher.location, publisher.headers["etag"]
    good = sdpfrag.answer_fragment(publisher.pc.localDescription.sdp)
    ufrag, pwd = sdpfrag.ice_credentials(publisher.pc.localDescription.sdp)
    trickle = f"a=ice-ufrag:{ufrag}\r\na=ice-pwd:{pwd}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:1\r\n"
    restart = "a=ice-ufrag:newufrag\r\na=ice-pwd:newpasswordnewpasswordxx\r\n"

    def patch(body: str, *, if_match: str | None = etag, ctype: str = sdpfrag.CONTENT_TYPE, who: str = token,
              where: str = location) -> httpx.Response:
        headers = {"Content-Type": ctype, "Authorization": f"Bearer {who}"}
        if if_match is not None:
            headers["If-Match"] = if_match
        return httpx.patch(f"{relay.base_url}{where}", content=body.encode(), headers=headers, timeout=10)

    try:
        cases = [
            (patch(good, if_match=None), 428, "precondition_required"),
            (patch(good, if_match='"stale"'), 412, "etag_mismatch"),
            (patch(restart), 412, "restart_needs_wildcard"),
            (patch(good, ctype="application/sdp"), 415, "unsupported_media_type"),
            (patch("hello relay\r\n"), 400, "malformed_sdpfrag"),
            (patch(trickle + "a=candidate:garbage\r\n"), 400, "malformed_sdpfrag"),
            (patch("a=ice-ufrag:only\r\n"), 400, "malformed_sdpfrag"),
            (patch(trickle.replace("a=mid:1", "a=mid:7") + "a=end-of-candidates\r\n"), 400, "unknown_mid"),
            (patch(good, who=live_token(room, sub="2")), 403, "not_your_session"),
            (patch(good, where=f"/whip/{room}/nosuchsession"), 404, "no_session"),
        ]
        for response, status, code in cases:
            assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text
            assert response.json()["error"]["message"]
        assert patch(good).status_code == 204  # the session is still there and takes a good fragment
        other = httpx.put(f"{relay.base_url}{location}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert other.status_code == 405 and "PATCH" in other.headers["allow"]
        status = httpx.get(f"{relay.base_url}/rooms/{room}", headers={"Authorization": f"Bearer {token}"}).json()
        assert status["publishers"][0]["live"] is True
    finally:
        await publisher.leave()
