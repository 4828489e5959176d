"""Time-limited TURN credentials (coturn's REST-API scheme) in the API's live grants."""

from __future__ import annotations

import base64
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.factories import lesson_id
from tests.live.app_relay import BROADCAST_TITLE
from tingke.settings import reset_settings
from tingke.turn import credential_for, mint

SECRET = "district-turn-secret"
URLS = ["turn:turn.example.edu.cn:3478?transport=udp", "turns:turn.example.edu.cn:5349?transport=tcp"]


def test_credentials_are_coturns_hmac_of_an_expiring_username():
    username, password = mint(SECRET, "42", ttl_seconds=600, now=1_800_000_000)
    assert username == "1800000600:42"
    # openssl, not Python's hmac, computes what coturn computes: base64(HMAC-SHA1(secret, username))
    digest = subprocess.run(["openssl", "dgst", "-sha1", "-hmac", SECRET, "-binary"], input=username.encode(),
                            capture_output=True, check=True).stdout
    assert password == base64.b64encode(digest).decode() == credential_for(SECRET, username)
    assert mint(SECRET, "42", 600, now=1_800_000_001) != (username, password)  # a new expiry, a new password


@pytest.fixture
def turn_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TINGKE_TURN_SECRET", SECRET)
    monkeypatch.setenv("TINGKE_TURN_URLS", ",".join(URLS))
    monkeypatch.setenv("TINGKE_TURN_TTL_SECONDS", "900")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def test_grants_carry_minted_turn_servers(client, login, db_url, turn_settings):
    broadcast = lesson_id(db_url, BROADCAST_TITLE)
    for path in (f"/api/lessons/{broadcast}/live", f"/api/lessons/{broadcast}/live/watch"):
        reply = client.post(path, headers=login("teacher1"))
        assert reply.status_code == 200, (path, reply.text)
        (turn,) = reply.json()["ice_servers"]
        assert turn["urls"] == URLS
        expiry, user = turn["username"].split(":")
        assert user.isdigit() and 890 < int(expiry) - time.time() <= 900  # expires: TINGKE_TURN_TTL_SECONDS
        assert turn["credential"] == credential_for(SECRET, turn["username"])


def test_without_a_turn_secret_grants_are_unchanged(client, login, db_url):
    broadcast = lesson_id(db_url, BROADCAST_TITLE)
    reply = client.post(f"/api/lessons/{broadcast}/live", headers=login("teacher1"))
    assert reply.status_code == 200 and reply.json()["ice_servers"] == []
