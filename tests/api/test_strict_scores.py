"""Scores enter as JSON numbers only: the text "7" or true is refused with a clear 422 and nothing stored
changes (pydantic strict types in api/observations/schemas.py and api/polls/schemas.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from models.db import session_scope
from tests.factories import World, bearer, build_world


@pytest.fixture
def world(db_url: str, client: TestClient) -> World:
    with session_scope(db_url) as session:
        return build_world(session)


def test_a_score_must_be_a_number(client: TestClient, db_url: str, world: World) -> None:
    with session_scope(db_url) as session:
        researcher = bearer(session, world.users["researcher"])
    oid = client.post(f"/api/lessons/{world.lessons['community']}/observations", headers=researcher,
                      json={}).json()["id"]
    first = client.patch(f"/api/observations/{oid}", headers=researcher, json={"scores": {"goals": 6}})
    assert first.status_code == 200
    for bad in ("7", "7.5", True, None, [7], {"v": 7}):
        reply = client.patch(f"/api/observations/{oid}", headers=researcher,
                             json={"scores": {"goals": bad, "content": 8}})
        assert reply.status_code == 422, bad
        assert reply.json()["error"]["code"] == "invalid_input"
    text = client.patch(f"/api/observations/{oid}", headers=researcher, json={"scores": {"goals": "7"}}).json()
    assert "must be a number" in text["error"]["message"] and "scores.goals" in text["error"]["message"]
    stored = client.get(f"/api/observations/{oid}", headers=researcher).json()["scores"]
    assert stored == {"goals": 6}  # the refused requests changed nothing, not even their valid part
    assert client.patch(f"/api/observations/{oid}", headers=researcher,
                        json={"scores": {"goals": 7.5, "content": 8}}).status_code == 200


def test_a_poll_rating_must_be_a_number(client: TestClient, db_url: str, world: World) -> None:
    with session_scope(db_url) as session:
        teacher = bearer(session, world.users["teacher"])
        peer = bearer(session, world.users["peer"])
    poll = client.post("/api/polls", headers=teacher, json={
        "title": "课后评分", "lesson_id": world.lessons["community"], "open_now": True,
        "questions": [{"kind": "rating", "prompt": "总体评分"}]}).json()
    question = poll["questions"][0]["id"]
    refused = client.put(f"/api/polls/{poll['id']}/answers", headers=peer,
                         json={"answers": [{"question_id": question, "rating": "4"}]})
    assert refused.status_code == 422 and "must be a number" in refused.json()["error"]["message"]
    assert client.put(f"/api/polls/{poll['id']}/answers", headers=peer,
                      json={"answers": [{"question_id": question, "rating": 4}]}).status_code == 200
