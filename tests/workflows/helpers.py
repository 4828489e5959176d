"""Real flows through the API for the workflow tests: schedule a lesson, observe it, sign it off."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

SCORES = {"goals": 9, "content": 8, "process": 9, "engagement": 7, "interaction": 8, "outcome": 8,
          "teacher_skills": 9}
LOW = {code: 3 for code in SCORES}


def err(reply: Any) -> tuple[int, str]:
    return reply.status_code, reply.json()["error"]["code"]


def new_lesson(client: TestClient, teacher: dict[str, str], title: str, subject: str = "数学",
               kind: str = "ordinary", **extra: Any) -> int:
    reply = client.post("/api/lessons", headers=teacher,
                        json={"title": title, "subject": subject, "grade": "七年级", "kind": kind, **extra})
    assert reply.status_code == 201, reply.text
    return int(reply.json()["id"])


def observe(client: TestClient, observer: dict[str, str], lesson_id: int, *, drop_in: bool = False,
            submit: bool = True, scores: dict[str, float] | None = None, note: str = "小组合作讨论充分") -> int:
    reply = client.post(f"/api/lessons/{lesson_id}/observations", headers=observer, json={"drop_in": drop_in})
    assert reply.status_code == 201, reply.text
    oid = int(reply.json()["id"])
    assert client.post(f"/api/observations/{oid}/notes", headers=observer,
                       json={"t": 120, "text": note}).status_code == 201
    assert client.patch(f"/api/observations/{oid}", headers=observer,
                        json={"scores": scores or SCORES, "summary": "总评：目标达成好"}).status_code == 200
    if submit:
        assert client.post(f"/api/observations/{oid}/submit", headers=observer).status_code == 200
    return oid


def sign(client: TestClient, teacher: dict[str, str], oid: int) -> None:
    reply = client.post(f"/api/observations/{oid}/signoff", headers=teacher)
    assert reply.status_code == 200, reply.text


def metric(person: dict[str, Any], name: str) -> dict[str, Any]:
    return next(m for m in person["metrics"] if m["metric"] == name)
