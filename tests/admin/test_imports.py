"""Bulk import: a preview that writes nothing, one line per row with errors in Chinese, a confirmation that
writes, and a re-import of the same file that changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Assignment, AuditEvent, School, User
from models.db import session_scope
from tests.admin.helpers import PEOPLE_HEADER, teachers, xlsx
from tests.conftest import sign_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _preview(client, headers, kind, data, name="教师.xlsx"):
    reply = client.post(f"/api/imports/{kind}/preview", headers=headers, files={"file": (name, data, XLSX)})
    assert reply.status_code == 200, reply.text
    return reply.json()


def _count(db_url, model) -> int:
    with session_scope(db_url) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_preview_confirm_and_reimport_is_idempotent(client, login, db_url):
    admin = login("admin")
    rows = teachers(5, "城东实验小学")
    rows[2] = ("坏号码", "T0003", "1234", "城东实验小学", "数学", "三年级", "教师")  # a bad phone number
    rows.append(("重复工号", "T0001", "13900009999", "城东实验小学", "数学", "三年级", "教师"))
    rows.append(("无此校", "T0100", "13900000100", "不存在的学校", "数学", "三年级", "教师"))
    data = xlsx(PEOPLE_HEADER, rows, title="2026学年教师名册")
    before = _count(db_url, User)
    preview = _preview(client, admin, "people", data)
    assert preview["counts"] == {"created": 4, "updated": 0, "unchanged": 0, "error": 3}
    by_row = {r["row"]: r for r in preview["rows"]}
    assert by_row[5]["status"] == "error" and "手机号格式不正确" in by_row[5]["message"]
    assert "工号重复" in by_row[8]["message"] and "第 3 行" in by_row[8]["message"]
    assert "学校不存在：不存在的学校" in by_row[9]["message"]
    assert _count(db_url, User) == before  # nothing written by a preview

    done = client.post(f"/api/imports/{preview['token']}/confirm", headers=admin)
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["applied"] and result["counts"]["created"] == 4
    assert len(result["passwords"]) == 4 and all(len(p["password"]) == 12 for p in result["passwords"])
    assert _count(db_url, User) == before + 4
    assert client.post(f"/api/imports/{preview['token']}/confirm", headers=admin).status_code == 404  # once

    # the same file again: every good row is unchanged, nothing is written
    audit_before = _count(db_url, AuditEvent)
    again = _preview(client, admin, "people", data)
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 4, "error": 3}
    client.post(f"/api/imports/{again['token']}/confirm", headers=admin)
    assert _count(db_url, User) == before + 4
    assert _count(db_url, AuditEvent) == audit_before + 1  # only the import's own summary line

    # an imported teacher signs in with the one-time password and must choose a new one first
    first = result["passwords"][0]
    token = sign_in(client, first["username"], first["password"])
    refused = client.get("/api/lessons", headers=token)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "password_change_required")
    changed = client.post("/api/auth/password", headers=token,
                          json={"current_password": first["password"], "new_password": "my-own-password"})
    assert changed.status_code == 200, changed.text
    assert client.get("/api/lessons", headers=token).status_code == 401  # the old token was revoked
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert client.get("/api/lessons", headers=fresh).status_code == 200

    # a change in the office's file is an update, matched on 工号
    rows2 = [(r[0], r[1], r[2], r[3], "科学" if r[1] == "T0001" else r[4], r[5], r[6]) for r in rows]
    changed_preview = _preview(client, admin, "people", xlsx(PEOPLE_HEADER, rows2))
    updated = [r for r in changed_preview["rows"] if r["status"] == "updated"]
    assert len(updated) == 1 and updated[0]["changes"]["学科"][1] == "科学"


def test_school_admin_imports_own_teachers_only(client, login, db_url):
    head = login("head1")  # 城东实验小学
    rows = [*teachers(2, "城东实验小学"), *teachers(1, "青山乡中心小学", start=50),
            ("新校长", "T0099", "13900000099", "城东实验小学", "", "", "学校管理员")]
    preview = _preview(client, head, "people", xlsx(PEOPLE_HEADER, rows))
    statuses = [(r["status"], r["message"]) for r in preview["rows"]]
    assert statuses[:2] == [("created", ""), ("created", "")]
    assert statuses[2] == ("error", "只能导入本校的教师")
    assert statuses[3] == ("error", "学校管理员只能导入教师")
    assert client.post("/api/imports/schools/preview", headers=head,
                       files={"file": ("s.xlsx", xlsx(("学校名称",), [("X校",)]), XLSX)}).status_code == 403
    confirm = client.post(f"/api/imports/{preview['token']}/confirm", headers=login("admin"))
    assert confirm.status_code == 404  # another admin cannot confirm someone else's upload
    assert client.post(f"/api/imports/{preview['token']}/confirm", headers=head).json()["counts"]["created"] == 2


def test_schools_and_assignments_from_csv_in_gb18030(client, login, db_url, demo):
    admin = login("admin")
    schools = ("学校名称,片区,学校类型,城乡\r\n新桥中学,城东片区,基地校,农村\r\n城东实验小学,城东片区,引领校,城镇\r\n"
               "坏校,无此片区,基地校,农村\r\n")
    reply = client.post("/api/imports/schools/preview", headers=admin,
                        files={"file": ("学校.csv", schools.encode("gb18030"), "text/csv")})
    assert reply.status_code == 200, reply.text
    got = [(r["label"], r["status"]) for r in reply.json()["rows"]]
    assert got == [("新桥中学", "created"), ("城东实验小学", "unchanged"), ("坏校", "error")]
    client.post(f"/api/imports/{reply.json()['token']}/confirm", headers=admin)
    with session_scope(db_url) as s:
        school = s.scalar(select(School).where(School.name == "新桥中学"))
        assert school is not None and school.role.value == "base" and school.locale.value == "rural"
        r1 = s.get(User, demo["researcher1"])
        assert r1 is not None
        r1.employee_no = "R2001"
    plan = "教研员,工号/手机号,学期,学科,蹲点联系学校,片区\n王研训,R2001,2026-2027-1,数学,新桥中学,\n" \
           "王研训,R2001,2026-2027-1,,,城东片区\n李某,,2026-2027-9,数学,新桥中学,\n"
    reply = client.post("/api/imports/assignments/preview", headers=admin,
                        files={"file": ("分工.csv", plan.encode("utf-8"), "text/csv")})
    rows = reply.json()["rows"]
    assert [r["status"] for r in rows] == ["created", "created", "error"]
    assert "教研员不存在" in rows[2]["message"] and "学期格式不正确" in rows[2]["message"]
    before = _count(db_url, Assignment)
    client.post(f"/api/imports/{reply.json()['token']}/confirm", headers=admin)
    assert _count(db_url, Assignment) == before + 2


def test_templates_download_and_bad_files_are_clear(client, login):
    admin = login("admin")
    reply = client.get("/api/imports/people/template.xlsx", headers=admin)
    assert reply.status_code == 200 and reply.content[:2] == b"PK"
    import io

    from openpyxl import load_workbook

    header = [c.value for c in load_workbook(io.BytesIO(reply.content)).worksheets[0][1]]
    assert header[:4] == ["姓名", "工号", "手机号", "学校"]
    csv_reply = client.get("/api/imports/people/template.csv", headers=admin)
    assert csv_reply.content.startswith("\ufeff姓名".encode())
    bad = client.post("/api/imports/people/preview", headers=admin, files={"file": ("x.xlsx", b"not a workbook", XLSX)})
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "bad_spreadsheet")
    wrong = client.post("/api/imports/people/preview", headers=admin, files={"file": ("x.pdf", b"%PDF", "x/y")})
    assert wrong.status_code == 415
    nohead = client.post("/api/imports/people/preview", headers=admin,
                         files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")})
    assert (nohead.status_code, nohead.json()["error"]["code"]) == (422, "missing_columns")
