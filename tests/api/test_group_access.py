"""同课异构 groups keep their own visibility: the issue's attack replayed on a test-built world.

A rural teacher makes a group around their private lesson, with a poll (their own named answer) and a
thread. A teacher of the lead school in the same community must not be able to join it by moving their
own lesson into it, nor read or write anything of it (api.access.can_manage_group / can_view_group)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from models import User, Visibility
from models.db import session_scope
from tests.factories import World, add_lesson, bearer, build_world

POLL = [{"kind": "single", "prompt": "哪个设计更好？", "options": ["甲", "乙"]}]


@pytest.fixture
def world(db_url: str, client: TestClient) -> World:
    with session_scope(db_url) as session:
        world = build_world(session)
        rural = session.get(User, world.users["rural"])
        assert rural is not None
        world.lessons["rural_private"] = add_lesson(session, rural, Visibility.private, title="私密课").id
        world.lessons["rural_other"] = add_lesson(session, rural, Visibility.community, title="乡村第二课").id
        return world


def _headers(db_url: str, world: World) -> dict[str, dict[str, str]]:
    with session_scope(db_url) as session:
        return {who: bearer(session, uid) for who, uid in world.users.items()}


def _private_group(client: TestClient, world: World, h: dict[str, dict[str, str]]) -> dict[str, Any]:
    rural = h["rural"]
    group = client.post("/api/lesson-groups", headers=rural, json={
        "topic": "私密同课异构", "subject": "数学", "grade": "八年级", "lesson_ids": [world.lessons["rural_private"]]})
    assert group.status_code == 201, group.text
    gid = group.json()["id"]
    poll = client.post("/api/polls", headers=rural, json={"title": "组内问卷", "group_id": gid, "questions": POLL,
                                                           "open_now": True})
    assert poll.status_code == 201, poll.text
    question = poll.json()["questions"][0]["id"]
    assert client.put(f"/api/polls/{poll.json()['id']}/answers", headers=rural,
                      json={"answers": [{"question_id": question, "choices": [1]}]}).status_code == 200
    thread = client.post("/api/discussions", headers=rural, json={"group_id": gid, "title": "组内讨论",
                                                                  "body": "只给本组看"})
    assert thread.status_code == 201, thread.text
    return {"group": gid, "poll": poll.json()["id"], "thread": thread.json()["id"]}


def _locked_out(client: TestClient, headers: dict[str, str], made: dict[str, Any]) -> None:
    gid = made["group"]
    assert client.get(f"/api/lesson-groups/{gid}", headers=headers).status_code == 404
    assert client.get(f"/api/lesson-groups/{gid}/polls", headers=headers).status_code == 404
    assert client.get(f"/api/polls/{made['poll']}", headers=headers).status_code == 404
    assert client.get(f"/api/polls/{made['poll']}/results", headers=headers).status_code == 404
    assert client.get(f"/api/discussions/{made['thread']}", headers=headers).status_code == 404
    assert client.post(f"/api/discussions/{made['thread']}/posts", headers=headers,
                       json={"body": "我也来"}).status_code == 404
    assert client.post("/api/polls", headers=headers, json={"title": "x", "group_id": gid, "questions": POLL}
                       ).status_code in (403, 404)
    assert client.get("/api/discussions", headers=headers, params={"group": gid}).status_code == 404
    assert client.get(f"/groups/{gid}", headers=headers).status_code == 404


def test_moving_a_lesson_into_a_private_group_is_refused(client: TestClient, db_url: str, world: World) -> None:
    h = _headers(db_url, world)
    made = _private_group(client, world, h)
    attacker, own = h["teacher"], world.lessons["community"]
    _locked_out(client, attacker, made)

    moved = client.patch(f"/api/lessons/{own}", headers=attacker, json={"group_id": made["group"]})
    assert moved.status_code == 422 and moved.json()["error"]["code"] == "unknown_group"
    assert client.get(f"/api/lessons/{own}", headers=attacker).json()["group_id"] is None
    made_in = client.post("/api/lessons", headers=attacker, json={"title": "新课", "subject": "数学", "grade": "八年级",
                                                                  "group_id": made["group"]})
    assert made_in.status_code == 422 and made_in.json()["error"]["code"] == "unknown_group"
    _locked_out(client, attacker, made)


def test_a_visible_group_still_needs_its_manager(client: TestClient, db_url: str, world: World) -> None:
    """A group around a community lesson is visible to the community, but only its managers fill it."""
    h = _headers(db_url, world)
    group = client.post("/api/lesson-groups", headers=h["rural"], json={
        "topic": "公开同课异构", "subject": "数学", "grade": "八年级", "lesson_ids": [world.lessons["rural_other"]]})
    gid = group.json()["id"]
    assert client.get(f"/api/lesson-groups/{gid}", headers=h["teacher"]).status_code == 200
    moved = client.patch(f"/api/lessons/{world.lessons['community']}", headers=h["teacher"], json={"group_id": gid})
    assert moved.status_code == 403 and moved.json()["error"]["code"] == "forbidden"
    # its creator, and an admin, may put lessons into it; the researchers of its zone manage it too
    assert client.patch(f"/api/lessons/{world.lessons['rural_private']}", headers=h["rural"],
                        json={"group_id": gid}).status_code == 200
    assert client.patch(f"/api/lessons/{world.lessons['community']}", headers=h["admin"],
                        json={"group_id": gid}).status_code == 200
    assert client.post("/api/polls", headers=h["zone_researcher"], json={
        "title": "片区问卷", "group_id": gid, "questions": POLL}).status_code == 201
    # the placed lesson's teacher now sees the group; their own lesson stays theirs to take out again
    assert client.get(f"/api/lesson-groups/{gid}", headers=h["teacher"]).status_code == 200
    out = client.patch(f"/api/lessons/{world.lessons['community']}", headers=h["teacher"], json={"group_id": None})
    assert out.status_code == 200 and out.json()["group_id"] is None


def test_who_sees_a_private_group(client: TestClient, db_url: str, world: World) -> None:
    h = _headers(db_url, world)
    made = _private_group(client, world, h)
    visible = {who: client.get(f"/api/lesson-groups/{made['group']}", headers=headers).status_code
               for who, headers in h.items()}
    assert visible == {"teacher": 404, "peer": 404, "rural": 200, "head": 404, "researcher": 404,
                       "zone_researcher": 200, "unassigned": 404, "admin": 200, "outsider": 404,
                       "outsider_head": 404}
