"""A request id followed from the API to the relay: the grant's token carries it, and the relay's JSON log
line for the session it admits names it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from testkit import peers
from tests.conftest import TEST_SECRET
from tests.factories import lesson_id
from tests.live.app_relay import BROADCAST_TITLE
from tests.streaming.conftest import RelayProcess
from tingke.signing import verify_token


async def test_grant_request_id_reaches_the_relay_log(client, login, db_url: str, tmp_path: Path) -> None:
    lesson = lesson_id(db_url, BROADCAST_TITLE)
    grant = client.post(f"/api/lessons/{lesson}/live", headers={**login("teacher1"), "X-Request-ID": "grant-77"})
    assert grant.status_code == 200 and grant.headers["x-request-id"] == "grant-77"
    token = grant.json()["token"]
    assert verify_token("live", token, key=TEST_SECRET.encode())["rid"] == "grant-77"
    data = tmp_path / "relay"
    data.mkdir()
    relay = RelayProcess(data, live_record="false", log_format="json", log_level="INFO", database_url=db_url)
    try:
        publisher, _ = await peers.publish(relay.base_url, str(lesson), token, audio=False)
        await publisher.leave()
        await asyncio.sleep(0.5)
    finally:
        relay.stop()
    lines = [json.loads(line) for line in (data / "relay.log").read_text().splitlines() if line.startswith("{")]
    admitted = [entry for entry in lines if entry.get("grant_request_id") == "grant-77"]
    assert admitted and "whip session" in admitted[0]["message"], lines
