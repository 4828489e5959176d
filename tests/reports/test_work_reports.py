"""A researcher's monthly summary and semester report (.docx) and a school's quota sheet (.xlsx)."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

import pytest
from docx import Document
from openpyxl import load_workbook

from api.auth import tokens
from models import User
from models.db import session_scope
from tests.workflows.helpers import err, new_lesson, observe, sign
from tingke.timezone import today as district_today  # the district's date, not the machine's


@pytest.fixture
def db_url(sqlite_db: str) -> str:
    """SQLite: the reports read what the workflow tests count on both databases."""
    return sqlite_db


@pytest.fixture
def login(client, demo, db_url) -> Callable[[str], dict[str, str]]:  # type: ignore[no-untyped-def]
    """Bearer headers for a demo user, issued directly (no Argon2 hash per person)."""

    def _login(username: str) -> dict[str, str]:
        with session_scope(db_url) as session:
            user = session.get(User, demo[username])
            assert user is not None
            return {"Authorization": f"Bearer {tokens.issue(user)}"}

    return _login


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
    month = district_today().strftime("%Y-%m")
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
