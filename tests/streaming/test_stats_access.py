"""The relay's GET /stats lists live lessons and their teachers: it answers the machine itself (loopback,
not forwarded by a proxy) or an operator's signed stats token, and nobody else."""

from __future__ import annotations

import httpx
import pytest

from streaming.server import create_app
from tests.conftest import TEST_SECRET
from tests.streaming.conftest import live_token
from tingke.settings import Settings
from tingke.signing import sign_token

pytestmark = pytest.mark.asyncio


async def _get(client: tuple[str, int], headers: dict[str, str] | None = None) -> httpx.Response:
    app = create_app(Settings(secret_key=TEST_SECRET, live_record=False))
    transport = httpx.ASGITransport(app=app, client=client)
    async with httpx.AsyncClient(transport=transport, base_url="http://relay") as http:
        return await http.get("/stats", headers=headers)


async def test_stats_from_elsewhere_needs_the_operator_token(env) -> None:
    far = ("203.0.113.9", 40000)
    refused = await _get(far)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    assert "rooms" not in refused.text
    viewer = live_token("1", role="viewer")  # a live token is for a room, not for the counters
    assert (await _get(far, {"Authorization": f"Bearer {viewer}"})).status_code == 401
    expired = sign_token("relay-stats", {}, -5, key=TEST_SECRET.encode())
    assert (await _get(far, {"Authorization": f"Bearer {expired}"})).status_code == 401
    operator = sign_token("relay-stats", {"sub": "ops"}, 300, key=TEST_SECRET.encode())
    ok = await _get(far, {"Authorization": f"Bearer {operator}"})
    assert ok.status_code == 200 and "rooms" in ok.json()


async def test_loopback_answers_unless_a_proxy_forwarded_it(env) -> None:
    assert (await _get(("127.0.0.1", 40000))).status_code == 200
    assert (await _get(("::1", 40000))).status_code == 200
    forwarded = await _get(("127.0.0.1", 40000), {"X-Forwarded-For": "198.51.100.4"})
    assert forwarded.status_code == 401
