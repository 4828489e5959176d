"""Through Debian's coturn on loopback with credentials the relay minted: an aiortc publisher restricted
to relayed candidates (iceTransportPolicy "relay") reaches the relay; expired credentials are refused."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiortc import RTCConfiguration, RTCIceServer, RTCIceTransportPolicy, RTCPeerConnection

from testkit import peers
from tests.streaming.conftest import RelayProcess, live_token
from tingke.turn import mint

pytestmark = [pytest.mark.slow]  # coturn comes with `make test` (.ci/system-deps.sh); without it the test fails

SECRET = "coturn-test-secret"
LINK = re.compile(r'<([^>]+)>; rel="ice-server"; username="([^"]*)"; credential="([^"]*)"')


def _free_udp_port() -> int:
    """A port free for UDP and for TCP: coturn opens both on it, and a TCP port another test process holds
    makes it retry its bind forever instead of serving (seen with several test processes)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, \
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            try:
                tcp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


@pytest.fixture(scope="module")
def coturn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """coturn with the REST-API shared secret, as deploy/coturn/turnserver.conf, but allowing loopback peers
    (the relay is on loopback here; production configs must not)."""
    folder: Path = tmp_path_factory.mktemp("coturn")
    port = _free_udp_port()
    log = (folder / "turn.log").open("wb")
    proc = subprocess.Popen(
        ["turnserver", "-n", "--listening-ip=127.0.0.1", f"--listening-port={port}", "--relay-ip=127.0.0.1",
         "--use-auth-secret", f"--static-auth-secret={SECRET}", "--realm=tingke.test", "--no-tls", "--no-dtls",
         "--no-tcp", "--no-cli", "--allow-loopback-peers", "--min-port=49160", "--max-port=49200", "--fingerprint",
         f"--pidfile={folder / 'turn.pid'}", f"--log-file={folder / 'turn.log.txt'}", "--simple-log"],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 10
    while not _answers(port):
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            raise AssertionError(f"coturn did not answer on 127.0.0.1:{port}: see {folder / 'turn.log.txt'}")
        time.sleep(0.1)
    yield port
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def _answers(port: int) -> bool:
    """A STUN binding request answered (coturn is up)."""
    request = b"\x00\x01\x00\x00\x21\x12\xa4\x42" + b"tingke-probe"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.2)
        sock.sendto(request, ("127.0.0.1", port))
        try:
            return sock.recv(512)[:2] == b"\x01\x01"
        except TimeoutError:
            return False


@pytest.fixture(scope="module")
def turn_relay(tmp_path_factory: pytest.TempPathFactory, coturn: int) -> Iterator[RelayProcess]:
    process = RelayProcess(tmp_path_factory.mktemp("relay-coturn"), live_record="false", live_grace_seconds=2,
                           turn_secret=SECRET, turn_urls=f"turn:127.0.0.1:{coturn}?transport=udp")
    yield process
    process.stop()


def _relay_only(url: str, username: str, credential: str) -> RTCConfiguration:
    return RTCConfiguration(iceServers=[RTCIceServer(urls=url, username=username, credential=credential)],
                            iceTransportPolicy=RTCIceTransportPolicy.RELAY)


async def test_a_publisher_reaches_the_relay_through_coturn_with_minted_credentials(turn_relay, room):
    token = live_token(room, sub="11")
    # what OBS does: the TURN server and its credentials come from the WHIP endpoint's Link headers
    options = httpx.options(f"{turn_relay.base_url}/whip/{room}", headers={"Authorization": f"Bearer {token}"},
                            timeout=10)
    (url, username, credential), = [LINK.match(v).groups() for v in options.headers.get_list("link")]  # type: ignore[union-attr]
    publisher, _ = await peers.publish(turn_relay.base_url, room, token, config=_relay_only(url, username, credential))
    viewer = await peers.watch(turn_relay.base_url, room, live_token(room, "viewer", sub="12"))
    try:
        offer = publisher.pc.localDescription.sdp
        assert "typ relay" in offer and "typ host" not in offer  # only coturn's relayed address was offered
        assert await viewer.frames(20, timeout=20) >= 20  # media went publisher -> coturn -> relay -> viewer
    finally:
        await viewer.close()
        await publisher.leave()


async def test_expired_credentials_get_no_relayed_candidate(coturn):
    username, credential = mint(SECRET, "11", ttl_seconds=3600, now=time.time() - 7200)  # expired an hour ago
    pc = RTCPeerConnection(_relay_only(f"turn:127.0.0.1:{coturn}?transport=udp", username, credential))
    pc.addTransceiver("video", direction="sendonly")
    try:
        await pc.setLocalDescription(await pc.createOffer())
        assert "typ relay" not in pc.localDescription.sdp  # coturn refused the allocation
        fresh_user, fresh_credential = mint(SECRET, "11", ttl_seconds=3600)
        fresh = RTCPeerConnection(_relay_only(f"turn:127.0.0.1:{coturn}?transport=udp", fresh_user, fresh_credential))
        fresh.addTransceiver("video", direction="sendonly")
        await fresh.setLocalDescription(await fresh.createOffer())
        assert "typ relay" in fresh.localDescription.sdp  # the same server, the same secret: only time differs
        await fresh.close()
    finally:
        await pc.close()
