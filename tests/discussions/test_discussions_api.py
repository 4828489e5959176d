"""网络教研 threads on SQLite and PostgreSQL: real names, replies, @mentions → notifications, soft delete,
moderation, pagination, access."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from models import Note, Observation, ObservationState, Rubric, School, User
from models.db import session_scope
from tests.factories import lesson_id


def start(client: TestClient, headers: dict[str, str], **target: Any) -> dict[str, Any]:
    body = {"title": "勾股定理的引入方式", "body": "大家觉得用拼图引入好吗？", **target}
    reply = client.post("/api/discussions", json=body, headers=headers)
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def test_thread_replies_mentions_and_notifications(client: TestClient, login: Any, db_url: str) -> None:
    lid = lesson_id(db_url, "勾股定理（同课异构）")  # teacher2's lesson, community visibility
    thread = start(client, login("teacher2"), lesson_id=lid)
    assert thread["author"]["display_name"] == "刘老师" and thread["author"]["school_name"] == "青山乡中心小学"
    tid = thread["id"]
    reply = client.post(f"/api/discussions/{tid}/posts", headers=login("teacher1"),
                        json={"body": "拼图很好，@teacher3 你们学校试过吗？邮件 a@teacher4 不算。@nobody"})
    assert reply.status_code == 201, reply.text
    post = reply.json()
    with session_scope(db_url) as s:
        teacher3 = s.scalar(select(User.id).where(User.username == "teacher3"))
    assert post["mentioned_user_ids"] == [teacher3]

    mine = client.get("/api/notifications", headers=login("teacher3")).json()
    assert mine["unread"] == 1 and mine["items"][0]["kind"] == "mention"
    assert mine["items"][0]["link"] == f"/discussions/{tid}#post-{post['id']}"
    assert mine["items"][0]["actor_name"] == "陈老师"
    assert client.get("/api/notifications/unread-count", headers=login("teacher4")).json()["unread"] == 0
    # the thread's author hears of the reply
    theirs = client.get("/api/notifications?unread=true", headers=login("teacher2")).json()
    assert [n["kind"] for n in theirs["items"]] == ["reply"]
    nid = mine["items"][0]["id"]
    assert client.post(f"/api/notifications/{nid}/read", headers=login("teacher4")).status_code == 404
    assert client.post(f"/api/notifications/{nid}/read", headers=login("teacher3")).json()["read"] is True
    assert client.get("/api/notifications/unread-count", headers=login("teacher3")).json()["unread"] == 0

    # editing adds a mention: only the newly mentioned person is notified
    edited = client.patch(f"/api/discussion-posts/{post['id']}", headers=login("teacher1"),
                          json={"body": "拼图很好，@teacher3 @teacher4 你们试过吗？"})
    assert edited.status_code == 200 and edited.json()["edited_at"]
    assert client.get("/api/notifications/unread-count", headers=login("teacher3")).json()["unread"] == 0
    assert client.get("/api/notifications/unread-count", headers=login("teacher4")).json()["unread"] == 1
    assert client.patch(f"/api/discussion-posts/{post['id']}", headers=login("teacher2"),
                        json={"body": "改别人的"}).status_code == 403

    # soft delete keeps the thread readable; admins moderate
    assert client.delete(f"/api/discussion-posts/{post['id']}", headers=login("teacher3")).status_code == 403
    assert client.delete(f"/api/discussion-posts/{post['id']}", headers=login("admin")).status_code == 204
    detail = client.get(f"/api/discussions/{tid}", headers=login("teacher2")).json()
    assert detail["posts"]["total"] == 2
    gone = detail["posts"]["items"][1]
    assert gone["deleted"] and gone["body"] == "" and gone["deleted_by_moderator"] and not gone["may_edit"]
    assert detail["posts"]["items"][0]["body"] == "大家觉得用拼图引入好吗？"
    assert client.patch(f"/api/discussion-posts/{post['id']}", headers=login("teacher1"),
                        json={"body": "再改"}).status_code == 409
    for who, status in (("teacher2", 403), ("admin", 200)):
        lock = client.post(f"/api/discussions/{tid}/lock", json={"locked": True}, headers=login(who))
        assert lock.status_code == status
    locked = client.post(f"/api/discussions/{tid}/posts", json={"body": "还能回吗"}, headers=login("teacher3"))
    assert locked.status_code == 409
    assert client.post(f"/api/discussions/{tid}/posts", json={"body": "x" * 5001},
                       headers=login("teacher3")).status_code == 422


def test_pagination_and_targets(client: TestClient, login: Any, db_url: str) -> None:
    lid = lesson_id(db_url, "勾股定理（示范课）")
    t1 = login("teacher1")
    thread = start(client, t1, lesson_id=lid)
    for i in range(4):
        posted = client.post(f"/api/discussions/{thread['id']}/posts", json={"body": f"第{i}条"}, headers=t1)
        assert posted.status_code == 201
    page = client.get(f"/api/discussions/{thread['id']}?limit=2&offset=2", headers=t1).json()["posts"]
    assert page["total"] == 5 and [p["body"] for p in page["items"]] == ["第1条", "第2条"]
    group_id = client.get(f"/api/lessons/{lid}", headers=t1).json()["group_id"]
    start(client, login("teacher2"), group_id=group_id)
    listed = client.get(f"/api/discussions?group={group_id}", headers=login("teacher3")).json()
    assert listed["total"] == 1 and listed["items"][0]["post_count"] == 1
    assert client.get(f"/api/discussions?lesson={lid}", headers=t1).json()["items"][0]["post_count"] == 5
    assert client.get("/api/discussions", headers=t1).status_code == 422  # which target?
    assert client.post("/api/discussions", json={"title": "x", "body": "y", "lesson_id": lid, "group_id": group_id},
                       headers=t1).status_code == 422


def submitted_and_draft(s: Any, lid: int, demo: dict[str, int]) -> tuple[Observation, Observation]:
    """teacher1's submitted observation of the lesson and teacher4's draft."""
    rubric = s.scalar(select(Rubric.id).limit(1))
    obs = Observation(lesson_id=lid, observer_id=demo["teacher1"], rubric_id=rubric, state=ObservationState.submitted)
    draft = Observation(lesson_id=lid, observer_id=demo["teacher4"], rubric_id=rubric)
    s.add_all([obs, draft])
    s.flush()
    return obs, draft


def test_note_threads_and_outsiders(client: TestClient, login: Any, db_url: str, demo: dict[str, int]) -> None:
    from api.auth.passwords import hash_password

    lid = lesson_id(db_url, "勾股定理（同课异构）")
    with session_scope(db_url) as s:
        other = School(name="远方中学")
        s.add(other)
        s.flush()
        s.add(User(username="outsider", display_name="外校老师", password_hash=hash_password("tingke-demo"),
                   school_id=other.id))
        obs, draft = submitted_and_draft(s, lid, demo)
        note = Note(observation_id=obs.id, t=120.0, text="小组讨论时间不足")
        draft_note = Note(observation_id=draft.id, t=60.0, text="草稿")
        s.add_all([note, draft_note])
        s.flush()
        note_id, draft_note_id = note.id, draft_note.id
    # the observed teacher discusses a submitted note with its observer and mentions an outsider: no notice
    thread = start(client, login("teacher2"), note_id=note_id, body="@teacher1 具体差多少时间？@outsider")
    assert client.get(f"/api/discussions/{thread['id']}", headers=login("teacher1")).status_code == 200
    assert client.get("/api/notifications/unread-count", headers=login("teacher1")).json()["unread"] == 1
    assert client.get("/api/notifications/unread-count", headers=login("outsider")).json()["unread"] == 0
    # a draft's notes are its observer's own
    assert client.post("/api/discussions", json={"title": "x", "body": "y", "note_id": draft_note_id},
                       headers=login("teacher2")).status_code == 404
    # an outsider sees no thread of a community lesson, cannot reply, list or start one
    lesson_thread = start(client, login("teacher2"), lesson_id=lid)
    out = login("outsider")
    for url in (f"/api/discussions/{lesson_thread['id']}", f"/api/discussions/{thread['id']}",
                f"/api/discussions?lesson={lid}"):
        assert client.get(url, headers=out).status_code == 404, url
    assert client.post(f"/api/discussions/{lesson_thread['id']}/posts", json={"body": "hi"},
                       headers=out).status_code == 404
    assert client.post("/api/discussions", json={"title": "x", "body": "y", "lesson_id": lid},
                       headers=out).status_code == 404


def test_note_discussions_of_a_lesson(client: TestClient, login: Any, db_url: str, demo: dict[str, int]) -> None:
    """The report page's 讨论 buttons: per readable note, its threads, their posts and the latest thread."""
    lid = lesson_id(db_url, "勾股定理（同课异构）")
    with session_scope(db_url) as s:
        obs, draft = submitted_and_draft(s, lid, demo)
        talked, quiet, draft_note = (Note(observation_id=obs.id, t=120.0, text="小组讨论时间不足"),
                                     Note(observation_id=obs.id, t=300.0, text="板书清楚"),
                                     Note(observation_id=draft.id, t=60.0, text="草稿"))
        s.add_all([talked, quiet, draft_note])
        s.flush()
        talked_id, quiet_id, draft_id = talked.id, quiet.id, draft_note.id
    url = f"/api/lessons/{lid}/note-discussions"
    teacher2 = login("teacher2")
    assert client.get(url, headers=teacher2).json() == []
    first = start(client, teacher2, note_id=talked_id)
    latest = start(client, login("teacher1"), note_id=talked_id)
    reply = client.post(f"/api/discussions/{latest['id']}/posts", json={"body": "同意"}, headers=teacher2)
    assert reply.status_code == 201, reply.text
    start(client, login("teacher4"), note_id=draft_id)  # the observer may discuss a draft note: only he sees it
    rows = client.get(url, headers=teacher2).json()
    assert rows == [{"note_id": talked_id, "threads": 2, "posts": 3, "latest_link": f"/discussions/{latest['id']}"}]
    assert first["id"] != latest["id"] and quiet_id not in {r["note_id"] for r in rows}
    mine = {r["note_id"]: r for r in client.get(url, headers=login("teacher4")).json()}
    assert mine[draft_id]["threads"] == 1 and mine[draft_id]["posts"] == 1
    assert client.get("/api/lessons/999999/note-discussions", headers=teacher2).status_code == 404
