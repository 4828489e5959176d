"""Scheduling, listing and editing lessons; bad input never yields a 500."""

from __future__ import annotations


def test_schedule_list_filter_and_page(client, login):
    h = login("teacher1")
    created = client.post("/api/lessons", headers=h, json={
        "title": "二次函数的图像", "topic": "二次函数", "subject": "数学", "grade": "九年级", "kind": "open",
        "scheduled_at": "2026-12-01T08:00:00+08:00", "duration_minutes": 40, "visibility": "community"})
    assert created.status_code == 201, created.text
    lesson = created.json()
    assert lesson["teacher_name"] == "陈老师" and lesson["status"] == "scheduled"
    by_kind = client.get("/api/lessons", params={"kind": "open", "subject": "数学"}, headers=h).json()
    assert [x["id"] for x in by_kind["items"]] == [lesson["id"]]
    page1 = client.get("/api/lessons", params={"limit": 2}, headers=h).json()
    page2 = client.get("/api/lessons", params={"limit": 2, "offset": 2}, headers=h).json()
    assert page1["total"] == page2["total"] >= 4
    assert not {x["id"] for x in page1["items"]} & {x["id"] for x in page2["items"]}
    patched = client.patch(f"/api/lessons/{lesson['id']}", headers=h, json={"title": "二次函数的图像与性质"})
    assert patched.json()["title"] == "二次函数的图像与性质"


def test_dual_lesson_needs_classrooms(client, login):
    h = login("teacher1")
    schools = {s["name"]: s["id"] for s in client.get("/api/schools", headers=h).json()}
    base = {"title": "双师课", "subject": "数学", "grade": "五年级", "room_mode": "dual"}
    assert client.post("/api/lessons", headers=h, json=base).status_code == 422
    ok = client.post("/api/lessons", headers=h, json={**base, "classrooms": [
        {"school_id": schools["城东实验小学"], "label": "主讲端"},
        {"school_id": schools["青山乡中心小学"], "label": "辅助端"}]})
    assert ok.status_code == 201
    assert [c["position"] for c in ok.json()["classrooms"]] == [0, 1]


def test_a_classroom_teacher_must_teach_at_the_classrooms_school(client, login, demo):
    h = login("teacher1")
    schools = {s["name"]: s["id"] for s in client.get("/api/schools", headers=h).json()}
    base = {"title": "双师课", "subject": "数学", "grade": "五年级", "room_mode": "dual"}
    wrong = client.post("/api/lessons", headers=h, json={**base, "classrooms": [
        {"school_id": schools["城东实验小学"], "teacher_id": demo["teacher1"]},
        {"school_id": schools["青山乡中心小学"], "teacher_id": demo["teacher3"]}]})  # 张老师 teaches at 石桥村小学
    assert wrong.status_code == 422
    error = wrong.json()["error"]
    assert error["code"] == "classroom_teacher_school" and error["classroom"] == 2 and "第 2 个教室" in error["message"]
    right = client.post("/api/lessons", headers=h, json={**base, "classrooms": [
        {"school_id": schools["城东实验小学"], "teacher_id": demo["teacher1"]},
        {"school_id": schools["青山乡中心小学"], "teacher_id": demo["teacher2"]}]})
    assert right.status_code == 201, right.text


def test_bad_input_gets_clear_errors(client, login):
    h = login("teacher1")
    cases = [
        (b"{not json", "application/json"),
        (b'{"title": "x", "subject": "s", "grade": "g", "colour": "red"}', "application/json"),
        (b'{"title": "", "subject": "s", "grade": "g"}', "application/json"),
        (b'{"title": "x", "subject": "s", "grade": "g", "kind": "lecture"}', "application/json"),
        (b'{"title": "x", "subject": "s", "grade": "g", "duration_minutes": -5}', "application/json"),
        (b"[1, 2]", "application/json"),
    ]
    for body, ctype in cases:
        reply = client.post("/api/lessons", headers={**h, "content-type": ctype}, content=body)
        assert reply.status_code == 422, (body, reply.text)
        err = reply.json()["error"]
        assert err["code"] == "invalid_input" and err["message"]
    assert client.get("/api/lessons/999999", headers=h).status_code == 404
    assert client.get("/api/lessons/abc", headers=h).status_code == 422
    assert client.get("/api/lessons", params={"limit": 0}, headers=h).status_code == 422


def test_same_topic_group(client, login):
    h = login("researcher2")
    mine = client.get("/api/lessons", params={"subject": "数学"}, headers=h).json()["items"]
    ids = [x["id"] for x in mine][:2]
    group = client.post("/api/lesson-groups", headers=h,
                        json={"topic": "勾股定理", "subject": "数学", "grade": "八年级", "lesson_ids": ids})
    assert group.status_code == 201, group.text
    assert sorted(x["id"] for x in group.json()["lessons"]) == sorted(ids)


def test_lessons_to_come_and_held_and_a_keyword(client, login):
    h = login("teacher1")

    def listed(**params) -> list[str]:
        reply = client.get("/api/lessons", headers=h, params={"limit": 100, **params})
        assert reply.status_code == 200, reply.text
        return [x["title"] for x in reply.json()["items"]]

    upcoming, held, every = listed(when="upcoming"), listed(when="held"), listed()
    assert upcoming[0] == "勾股定理（示范课）" and "有理数的加法（常态课）" in held
    assert sorted(upcoming + held) == sorted(every)
    assert listed(q="勾股", when="upcoming") == ["勾股定理（示范课）", "勾股定理（同课异构）"]
    assert listed(q="青山乡") == ["勾股定理（同课异构）", "有理数的加法（常态课）"]  # a school's name; latest first
    assert listed(q="100%") == [] and listed(q="_") == []  # wildcards are literal
    assert client.get("/api/lessons", headers=h, params={"when": "someday"}).status_code == 422
    assert client.get("/api/lessons", headers=h, params={"q": "x" * 101}).status_code == 422
