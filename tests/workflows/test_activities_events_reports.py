"""Activities with materials, 同课异构 events, the Word and Excel reports, and a school outside the community."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from docx import Document
from openpyxl import load_workbook

from tests.workflows.helpers import err, new_lesson, observe, sign
from tingke.settings import reset_settings


def test_activity_record_attendance_and_materials(client, login, demo, monkeypatch):
    r1, t2, t1 = login("researcher1"), login("teacher2"), login("teacher1")
    rural1 = client.get("/api/auth/me", headers=t2).json()["school_id"]
    made = client.post("/api/activities", headers=r1, json={
        "kind": "prep", "title": "集体备课：勾股定理", "held_on": date.today().isoformat(), "school_id": rural1,
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
        "kind": "prep", "title": "x", "held_on": date.today().isoformat()})) == (422, "place_required")
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
        "topic": "圆的认识", "subject": "数学", "grade": "六年级", "held_on": date.today().isoformat(),
        "lesson_ids": [a, c]})) == (422, "same_school")
    assert client.post("/api/events", headers=r1, json={
        "topic": "圆的认识", "subject": "数学", "grade": "六年级", "held_on": date.today().isoformat(),
        "lesson_ids": [a]}).status_code == 422
    assert err(client.post("/api/events", headers=t1, json={
        "topic": "圆的认识", "subject": "数学", "grade": "六年级", "held_on": date.today().isoformat(),
        "lesson_ids": [a, b]})) == (403, "forbidden")
    made = client.post("/api/events", headers=r1, json={
        "topic": "圆的认识", "subject": "数学", "grade": "六年级", "held_on": date.today().isoformat(),
        "description": "片区同课异构", "lesson_ids": [a, b]})
    assert made.status_code == 201, made.text
    event = made.json()
    assert event["compare_url"] == f"/groups/{event['group_id']}"
    observe(client, r1, a)
    observe(client, r1, b, scores={"goals": 5, "content": 5, "process": 5, "engagement": 5, "interaction": 5,
                                   "outcome": 5, "teacher_skills": 5})
    observe(client, t4, b, drop_in=True)
    scored = {x["lesson_id"]: x for x in client.get(f"/api/events/{event['group_id']}", headers=t1).json()["lessons"]}
    assert scored[a]["observations"] == 1 and scored[a]["mean_total"] == 82.5
    assert scored[b]["observations"] == 2 and scored[b]["mean_total"] == (50 + 82.5) / 2
    assert scored[b]["dimension_means"]["goals"] == 7
    assert err(client.post("/api/events", headers=r1, json={
        "topic": "再来", "subject": "数学", "grade": "六年级", "held_on": date.today().isoformat(),
        "lesson_ids": [a, b]})) == (409, "already_grouped")
    assert client.get(event["compare_url"], headers=t1).status_code == 200  # the web helper's comparison page


def test_researcher_reports_and_school_sheet(client, login, demo):
    r1, t2, head, admin = login("researcher1"), login("teacher2"), login("head1"), login("admin")
    oid = observe(client, r1, new_lesson(client, t2, "合并同类项"), drop_in=True, note="教师提问后候答时间不足3秒")
    sign(client, t2, oid)
    semester = client.get("/api/quotas", headers=r1).json()["semester"]
    reply = client.get(f"/api/researchers/{demo['researcher1']}/semester-report.docx", headers=r1)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessing")
    doc = Document(BytesIO(reply.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert f"蹲点调研工作报告（{semester} 学期）" in text and "王研训" in text
    assert "蹲点联系学校：青山乡中心小学" in text
    assert "合并同类项" in cells and "有理数的加法（常态课）" in cells  # this test's and the demo's observation
    assert "是（已签名）" in cells
    assert "师生互动" in text and "教师提问后候答时间不足3秒" in text  # the note's tag and an example
    assert "进校天数" in cells and "课堂观察与访谈" in cells  # quota table and the demo visit
    month = date.today().strftime("%Y-%m")
    monthly = client.get(f"/api/researchers/{demo['researcher1']}/monthly-report.docx", headers=admin,
                         params={"month": month})
    assert monthly.status_code == 200
    mtext = "\n".join(p.text for p in Document(BytesIO(monthly.content)).paragraphs)
    assert "蹲点工作月小结" in mtext and "学期工作量完成情况" not in mtext
    assert err(client.get(f"/api/researchers/{demo['researcher1']}/monthly-report.docx", headers=r1,
                          params={"month": "2026-13"})) == (422, "bad_month")
    assert client.get(f"/api/researchers/{demo['researcher1']}/semester-report.docx", headers=t2).status_code == 404
    assert client.get(f"/api/researchers/{demo['teacher2']}/semester-report.docx", headers=admin).status_code == 404

    lead = client.get("/api/auth/me", headers=head).json()["school_id"]
    sheet = client.get(f"/api/schools/{lead}/quota-sheet.xlsx", headers=head)
    assert sheet.status_code == 200, sheet.text
    book = load_workbook(BytesIO(sheet.content))
    assert book.sheetnames == ["人员工作量", "教研组公开课", "课改合格课"]
    rows = list(book["人员工作量"].iter_rows(values_only=True))
    header, people = rows[1], {r[0]: r for r in rows[2:]}
    assert header[:4] == ("姓名", "岗位", "听课节数完成", "听课节数要求")
    assert people["赵校长"][1] == "校级干部" and people["赵校长"][2] == 1 and people["赵校长"][3] == 30
    assert people["陈老师"][3] == 25 and people["周老师"][-1] == "未达标"
    subjects = {r[0] for r in book["教研组公开课"].iter_rows(min_row=2, values_only=True)}
    assert subjects == {"数学", "语文"}
    assert list(book["课改合格课"].iter_rows(min_row=2, values_only=True)) == [(3, 1, round(1 / 3, 4))]
    assert client.get(f"/api/schools/{lead}/quota-sheet.xlsx", headers=r1).status_code == 404
    assert client.get(f"/api/schools/{lead}/quota-sheet.xlsx", headers=t2).status_code == 404


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
