"""Polls over the API on SQLite and PostgreSQL: hosting, voting rules, results, access."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from models import School, User
from models.db import session_scope
from tests.factories import lesson_id

QUESTIONS = [
    {"kind": "single", "prompt": "这节课的重点是否突出？", "options": ["突出", "一般", "不突出"]},
    {"kind": "multiple", "prompt": "哪些环节最有效？", "options": ["导入", "探究", "练习", "小结"]},
    {"kind": "rating", "prompt": "总体评分"},
    {"kind": "text", "prompt": "一句话建议"},
]


def make_poll(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {"title": "课后问卷", "questions": QUESTIONS, "open_now": True, **extra}
    reply = client.post("/api/polls", json=body, headers=headers)
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def answers(poll: dict[str, Any], single: int = 0, multiple: list[int] | None = None, rating: int = 4,
            text: str = "多给学生思考时间") -> dict[str, Any]:
    q = [x["id"] for x in poll["questions"]]
    return {"answers": [{"question_id": q[0], "choices": [single]},
                        {"question_id": q[1], "choices": multiple or [1, 2]},
                        {"question_id": q[2], "rating": rating},
                        {"question_id": q[3], "text": text}]}


def test_votes_are_counted_and_replaced_not_duplicated(client: TestClient, login: Any, db_url: str) -> None:
    lid = lesson_id(db_url, "勾股定理（示范课）")
    poll = make_poll(client, login("teacher1"), lesson_id=lid)
    assert poll["state"] == "open" and poll["join_path"] == f"/p/{poll['code']}"
    pid = poll["id"]
    r = client.put(f"/api/polls/{pid}/answers", json=answers(poll, 0, [0, 1], 5, "很好"), headers=login("teacher2"))
    assert r.status_code == 200, r.text
    r = client.put(f"/api/polls/{pid}/answers", json=answers(poll, 1, [1], 3), headers=login("teacher3"))
    assert r.status_code == 200, r.text
    # teacher2 changes their mind: the answer is replaced, not added
    r = client.put(f"/api/polls/{pid}/answers", json=answers(poll, 2, [3], 1, "再想想"), headers=login("teacher2"))
    assert r.status_code == 200, r.text
    mine = client.get(f"/api/polls/{pid}/answers/mine", headers=login("teacher2")).json()
    assert [m["choices"] for m in mine[:2]] == [[2], [3]] and mine[2]["rating"] == 1 and mine[3]["text"] == "再想想"

    res = client.get(f"/api/polls/{pid}/results", headers=login("researcher1")).json()
    assert res["respondents"] == 2
    single, multiple, rating, text = res["questions"]
    assert single["counts"] == [0, 1, 1] and single["answered"] == 2
    assert multiple["counts"] == [0, 1, 0, 1]
    assert rating["counts"] == [1, 0, 1, 0, 0] and rating["average"] == 2.0
    assert sorted(t["text"] for t in text["texts"]) == ["再想想", "多给学生思考时间"]
    named = {t["user_name"]: t["school_name"] for t in text["texts"]}
    assert named["刘老师"] == "青山乡中心小学"  # real names with their school

    # the lesson keeps its polls and their results
    kept = client.get(f"/api/lessons/{lid}/polls", headers=login("teacher4")).json()
    assert kept["total"] == 1 and kept["items"][0]["results"]["respondents"] == 2 and kept["may_host"] is False
    assert client.get(f"/api/lessons/{lid}/polls", headers=login("teacher1")).json()["may_host"] is True


def test_bad_answers_are_clear_4xx(client: TestClient, login: Any, db_url: str) -> None:
    lid = lesson_id(db_url, "勾股定理（示范课）")
    poll = make_poll(client, login("teacher1"), lesson_id=lid, open_now=False)
    pid, q = poll["id"], [x["id"] for x in poll["questions"]]
    t2 = login("teacher2")

    def put(*items: dict[str, Any]) -> Any:
        return client.put(f"/api/polls/{pid}/answers", json={"answers": list(items)}, headers=t2)

    assert put({"question_id": q[0], "choices": [0]}).status_code == 409  # a draft takes no answers
    assert client.post(f"/api/polls/{pid}/open", headers=login("teacher1")).status_code == 200
    assert put({"question_id": q[0], "choices": [3]}).json()["error"]["code"] == "option_out_of_range"
    assert put({"question_id": q[0], "choices": [0, 1]}).status_code == 422  # single choice
    assert put({"question_id": q[1], "choices": [1, 1]}).status_code == 422
    assert put({"question_id": q[2], "rating": 6}).status_code == 422
    assert put({"question_id": q[2], "choices": [1]}).status_code == 422  # wrong field for a rating
    assert put({"question_id": q[3], "text": "长" * 501}).status_code == 422
    assert put({"question_id": 999999, "text": "x"}).status_code == 422
    assert put({"question_id": q[0], "choices": [-1]}).status_code == 422
    ok = put({"question_id": q[0], "choices": [2]})
    assert ok.status_code == 200, ok.text
    assert client.post(f"/api/polls/{pid}/close", headers=t2).status_code == 403  # only the host
    assert client.post(f"/api/polls/{pid}/close", headers=login("teacher1")).json()["state"] == "closed"
    closed = put({"question_id": q[0], "choices": [1]})
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "poll_closed"
    assert client.delete(f"/api/polls/{pid}", headers=login("teacher1")).status_code == 409  # results are kept
    # creation checks
    for bad in ([{"kind": "single", "prompt": "?", "options": ["只有一个"]}],
                [{"kind": "rating", "prompt": "?", "options": ["a", "b"]}], []):
        body = {"title": "x", "lesson_id": lid, "questions": bad}
        assert client.post("/api/polls", json=body, headers=login("teacher1")).status_code == 422


def test_outsider_cannot_see_or_answer(client: TestClient, login: Any, db_url: str, demo: dict[str, int]) -> None:
    from api.auth.passwords import hash_password

    with session_scope(db_url) as s:
        other = School(name="远方中学")
        s.add(other)
        s.flush()
        s.add(User(username="outsider", display_name="外校老师", password_hash=hash_password("tingke-demo"),
                   school_id=other.id))
    community_lesson = lesson_id(db_url, "勾股定理（同课异构）")  # teacher2's community lesson
    poll = make_poll(client, login("teacher2"), lesson_id=community_lesson)
    out = login("outsider")
    pid = poll["id"]
    assert client.get(f"/api/polls/{pid}", headers=out).status_code == 404
    assert client.get(f"/api/polls/by-code/{poll['code']}", headers=out).status_code == 404
    assert client.get(f"/api/polls/{pid}/results", headers=out).status_code == 404
    assert client.get(f"/api/polls/{pid}/events", headers=out).status_code == 404
    assert client.put(f"/api/polls/{pid}/answers", json=answers(poll), headers=out).status_code == 404
    assert client.get(f"/api/lessons/{community_lesson}/polls", headers=out).status_code == 404
    # a member school of the community sees it, and so does a researcher assigned to it
    assert client.get(f"/api/polls/by-code/{poll['code']}", headers=login("teacher3")).status_code == 200
    assert client.put(f"/api/polls/{pid}/answers", json=answers(poll), headers=login("teacher3")).status_code == 200
    # a teacher may not host on someone else's lesson, a researcher assigned to the school may
    q = [{"kind": "rating", "prompt": "评分"}]
    body = {"title": "t", "lesson_id": community_lesson, "questions": q}
    assert client.post("/api/polls", json=body, headers=login("teacher3")).status_code == 403
    assert client.post("/api/polls", json=body, headers=login("researcher1")).status_code == 201
    # a training poll: the audience is the host's schools; outsiders are not in it
    training = make_poll(client, login("researcher2"))
    assert client.get(f"/api/polls/{training['id']}", headers=login("teacher1")).status_code == 200
    assert client.get(f"/api/polls/{training['id']}", headers=out).status_code == 404
    assert client.post("/api/polls", json={"title": "t", "questions": q}, headers=login("teacher1")).status_code == 403


def test_group_poll_follows_the_group(client: TestClient, login: Any, db_url: str) -> None:
    lid = lesson_id(db_url, "勾股定理（示范课）")
    group_id = client.get(f"/api/lessons/{lid}", headers=login("teacher1")).json()["group_id"]
    poll = make_poll(client, login("researcher1"), group_id=group_id)
    listed = client.get(f"/api/lesson-groups/{group_id}/polls", headers=login("teacher2")).json()
    assert [p["poll"]["id"] for p in listed["items"]] == [poll["id"]]
    vote = client.put(f"/api/polls/{poll['id']}/answers", json=answers(poll), headers=login("teacher2"))
    assert vote.status_code == 200


def test_creator_edits_questions_until_the_first_answer(client: TestClient, login: Any, db_url: str) -> None:
    lid = lesson_id(db_url, "勾股定理（示范课）")
    t1 = login("teacher1")
    poll = make_poll(client, t1, lesson_id=lid)
    pid, q = poll["id"], [x["id"] for x in poll["questions"]]

    def edit(qid: int, headers: dict[str, str], **body: Any) -> Any:
        return client.patch(f"/api/polls/{pid}/questions/{qid}", json=body, headers=headers)

    reply = edit(q[0], t1, prompt="本课重点是否突出？", options=["很突出", "较突出", "一般", "不突出"])
    assert reply.status_code == 200, reply.text
    edited = reply.json()
    assert edited["questions"][0] == {"id": q[0], "kind": "single", "prompt": "本课重点是否突出？",
                                      "options": ["很突出", "较突出", "一般", "不突出"]}
    assert edited["version"] > poll["version"]  # the live results show the new wording
    assert edit(q[2], t1, prompt="整体评分（1-5）").json()["questions"][2]["prompt"] == "整体评分（1-5）"
    # the same checks as on creation; another poll's question is not this poll's
    assert edit(q[1], t1, options=["只有一个"]).json()["error"]["code"] == "options_required"
    assert edit(q[1], t1, options=["导入", "导入"]).json()["error"]["code"] == "duplicate_options"
    assert edit(q[2], t1, options=["a", "b"]).json()["error"]["code"] == "options_not_allowed"
    assert edit(q[0], t1, prompt="").status_code == 422
    assert edit(q[0], t1, kind="text").status_code == 422  # a question keeps its kind
    other = make_poll(client, t1, lesson_id=lid)
    assert edit(other["questions"][0]["id"], t1, prompt="x").status_code == 404
    # only its creator: not another teacher, not the lesson's researcher, and outsiders see nothing
    assert edit(q[0], login("teacher2"), prompt="x").json()["error"]["code"] == "forbidden"
    assert edit(q[0], login("researcher1"), prompt="x").status_code == 403

    # the results count answers to the edited options
    r = client.put(f"/api/polls/{pid}/answers", json=answers(edited, 3), headers=login("teacher2"))
    assert r.status_code == 200, r.text
    single = client.get(f"/api/polls/{pid}/results", headers=t1).json()["questions"][0]
    assert single["options"][3] == "不突出" and single["counts"] == [0, 0, 0, 1]
    # after the first answer: a clear 409 that says why and what to do instead, with nothing changed
    refused = edit(q[0], t1, prompt="改一下")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "poll_answered" and error["respondents"] == 1
    assert "can no longer change" in error["message"] and "new poll" in error["message"]
    assert client.get(f"/api/polls/{pid}", headers=t1).json()["questions"][0]["prompt"] == "本课重点是否突出？"
    # closing does not reopen editing: the answers are kept
    client.post(f"/api/polls/{pid}/close", headers=t1)
    assert edit(q[3], t1, prompt="建议").status_code == 409
