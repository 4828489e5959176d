"""Activities with materials, 同课异构 events, and a school outside the community (the work reports are
tests/reports/test_work_reports.py)."""

from __future__ import annotations

from tests.workflows.helpers import err, new_lesson, observe
from tingke.settings import reset_settings
from tingke.timezone import today as district_today  # the district's date, not the machine's


def test_activity_record_attendance_and_materials(client, login, demo, monkeypatch):
    r1, t2, t1 = login("researcher1"), login("teacher2"), login("teacher1")
    rural1 = client.get("/api/auth/me", headers=t2).json()["school_id"]
    made = client.post("/api/activities", headers=r1, json={
        "kind": "prep", "title": "集体备课：勾股定理", "held_on": district_today().isoformat(), "school_id": rural1,
        "subject": "数学", "minutes": "分工准备导学案", "attendee_ids": [demo["teacher2"]],
        "links": [{"name": "课标", "url": "https://example.org/standard"}]})
    assert made.status_code == 201, made.text
    activity = made.json()
    assert [a["id"] for a in activity["attendees"]] == [demo["teacher2"]] and activity["can_edit"]
    aid = activity["id"]
    content = "教学设计（第二稿）\n".encode() * 100
    up = client.post(f"/api/activities/{aid}/materials", headers=r1,
                     files={"file": ("教学设计.docx", content, "application/octet-stream")})
    assert up.status_code == 201, up.text
    material = up.json()
    assert material["is_file"] and material["size_bytes"] == len(content) and material["name"] == "教学设计.docx"
    got = client.get(material["url"], headers=t2)  # an attendee of the school downloads it
    assert got.status_code == 200 and got.content == content
    assert err(client.post(f"/api/activities/{aid}/materials", headers=r1,
                           files={"file": ("run.exe", b"MZ", "application/octet-stream")})) == (
        415, "unsupported_material")
    assert err(client.post(f"/api/activities/{aid}/materials", headers=r1,
                           files={"file": ("empty.txt", b"", "text/plain")})) == (422, "empty_file")
    monkeypatch.setenv("TINGKE_ACTIVITY_MATERIAL_MAX_BYTES", "1000")
    reset_settings()
    assert err(client.post(f"/api/activities/{aid}/materials", headers=r1,
                           files={"file": ("big.pdf", b"x" * 1001, "application/pdf")})) == (413, "too_large")
    # attendance and minutes are edited by the organiser only
    patched = client.patch(f"/api/activities/{aid}", headers=r1,
                           json={"attendee_ids": [demo["teacher2"], demo["teacher1"]], "minutes": "定稿"})
    assert [a["id"] for a in patched.json()["attendees"]] == sorted([demo["teacher1"], demo["teacher2"]])
    assert err(client.patch(f"/api/activities/{aid}", headers=t2, json={"minutes": "x"})) == (403, "forbidden")
    assert err(client.patch(f"/api/activities/{aid}", headers=r1, json={"attendee_ids": [999999]})) == (
        422, "unknown_user")
    listed = client.get("/api/activities", headers=t1, params={"mine": True, "kind": "prep"}).json()
    assert aid in [a["id"] for a in listed["items"]]
    # bad input
    assert err(client.post("/api/activities", headers=r1, json={
        "kind": "prep", "title": "x", "held_on": district_today().isoformat()})) == (422, "place_required")
    assert client.post("/api/activities", headers=r1, json={
        "kind": "party", "title": "x", "held_on": "2026-01-01", "school_id": rural1}).status_code == 422
    assert err(client.post("/api/activities", headers=r1, json={
        "kind": "prep", "title": "x", "held_on": "2010-01-01", "school_id": rural1})) == (422, "date_out_of_range")
    assert client.delete(f"/api/activities/{aid}", headers=r1).status_code == 204
    assert client.get(material["url"], headers=r1).status_code == 404


def test_same_lesson_different_designs_event(client, login, demo):
    r1, t1, t2, t4 = login("researcher2"), login("teacher1"), login("teacher2"), login("teacher4")
    a = new_lesson(client, t1, "圆的认识（城东）")
    b = new_lesson(client, t2, "圆的认识（青山）")
    c = new_lesson(client, t4, "圆的认识（城东二）")
    assert err(client.post("/api/events", headers=r1, json={
        "topic": "圆的认识", "subject": "数学", "grade": "六年级", "held_on": district_today().isoformat(),
        "lesson_ids": [a, c]})) == (422, "same_school")
    assert client.post("/api/events", headers=r1, json={
        "topic": "圆的认识", "subject": "数学", "grade": "六年级", "held_on": district_today().isoformat(),
        "lesson_ids": [a]}).status_code == 422
    assert err(client.post("/api/events", headers=t1, json={
        "topic": "圆的认识", "subject": "数学", "grade": "六年级", "held_on": district_today().isoformat(),
        "lesson_ids": [a, b]})) == (403, "forbidden")
    made = client.post("/api/events", headers=r1, json={
        "topic": "圆的认识", "subject": "数学", "grade": "六年级", "held_on": district_today().isoformat(),
        "description": "片区同课异构", "lesson_ids": [a, b]})
    assert made.status_code == 201, made.text
    event = made.json()
    assert event["compare_url"] == f"/groups/{event['group_id']}"
    observe(client, r1, a)
    observe(client, r1, b, scores={"goals": 5, "content": 5, "process": 5, "engagement": 5, "interaction": 5,
                                   "outcome": 5, "teacher_skills": 5})
    observe(client, t4, b, drop_in=True)
    scored = {x["lesson_id"]: x for x in client.get(f"/api/events/{event['group_id']}", headers=r1).json()["lessons"]}
    assert scored[a]["observations"] == 1 and scored[a]["mean_total"] == 82.5
    assert scored[b]["observations"] == 2 and scored[b]["mean_total"] == (50 + 82.5) / 2
    assert scored[b]["dimension_means"]["goals"] == 7
    # teacher1 reads their own lesson's scores, not the two observers' mean of teacher2's (the report rule)
    scored = {x["lesson_id"]: x for x in client.get(f"/api/events/{event['group_id']}", headers=t1).json()["lessons"]}
    assert scored[a]["mean_total"] == 82.5
    assert scored[b]["observations"] == 2 and scored[b]["mean_total"] is None and scored[b]["dimension_means"] == {}
    assert err(client.post("/api/events", headers=r1, json={
        "topic": "再来", "subject": "数学", "grade": "六年级", "held_on": district_today().isoformat(),
        "lesson_ids": [a, b]})) == (409, "already_grouped")
    assert client.get(event["compare_url"], headers=t1).status_code == 200  # the web helper's comparison page


def test_a_school_outside_the_community_sees_none_of_it(client, login, demo):
    admin = login("admin")
    school = client.post("/api/schools", headers=admin, json={"name": "远山中学"}).json()
    made = client.post("/api/users", headers=admin, json={
        "username": "farhead", "display_name": "远校长", "password": "far-away-123", "role": "school_admin",
        "school_id": school["id"]})
    assert made.status_code == 201
    reply = client.post("/api/auth/token", data={"username": "farhead", "password": "far-away-123"})
    far = {"Authorization": f"Bearer {reply.json()['access_token']}"}
    lead = client.get("/api/auth/me", headers=login("head1")).json()["school_id"]
    assert [s["school_id"] for s in client.get("/api/quotas", headers=far).json()["schools"]] == [school["id"]]
    assert client.get(f"/api/quotas/schools/{lead}", headers=far).status_code == 404
    assert client.get(f"/api/quotas/people/{demo['teacher1']}", headers=far).status_code == 404
    assert client.get("/api/activities", headers=far).json()["total"] == 0
    assert client.get("/api/spotchecks", headers=far).json()["total"] == 0
    assert client.get("/api/events", headers=far).json() == []
    assert client.get("/api/qualifications", headers=far).json() == []
    assert [r["school_id"] for r in client.get("/api/qualifications/pass-rates", headers=far).json()] == [school["id"]]
    assert client.get(f"/api/schools/{lead}/quota-sheet.xlsx", headers=far).status_code == 404
    assert err(client.post("/api/spotchecks", headers=far, json={})) == (403, "forbidden")
