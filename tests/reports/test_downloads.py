"""The Word 听课记录 and the Excel score sheet: what is in them, and who gets them."""

from __future__ import annotations

import io
from collections.abc import Mapping

from docx import Document
from openpyxl import load_workbook

SCORES = {"teacher1": {"goals": 9, "content": 8, "process": 9, "engagement": 7, "interaction": 8, "outcome": 8,
                       "teacher_skills": 9},
          "researcher1": {"goals": 8, "content": 8, "process": 8, "engagement": 6, "interaction": 7, "outcome": 8,
                          "teacher_skills": 9}}


def _observe(client, headers, lesson_id: int, scores: Mapping[str, float], submit: bool = True) -> int:
    oid = client.post(f"/api/lessons/{lesson_id}/observations", headers=headers, json={}).json()["id"]
    for t, text in ((75, "导入联系生活实际"), (1210, "小组合作讨论充分")):
        note = client.post(f"/api/observations/{oid}/notes", headers=headers, json={"t": t, "text": text})
        assert note.status_code == 201
    client.patch(f"/api/observations/{oid}", headers=headers, json={"scores": scores, "summary": "总评：扎实"})
    if submit:
        assert client.post(f"/api/observations/{oid}/submit", headers=headers).status_code == 200
    return oid


def _lesson(client, headers, title: str) -> int:
    items = client.get("/api/lessons", headers=headers, params={"limit": 200}).json()["items"]
    return next(x["id"] for x in items if x["title"] == title)


def test_docx_and_xlsx_hold_the_submitted_records(client, login) -> None:
    teacher2 = login("teacher2")
    lesson = _lesson(client, teacher2, "勾股定理（同课异构）")
    for name, scores in SCORES.items():
        _observe(client, login(name), lesson, scores)
    _observe(client, login("teacher3"), lesson, SCORES["teacher1"], submit=False)  # a draft stays out

    reply = client.get(f"/api/lessons/{lesson}/report.docx", headers=teacher2)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessing")
    assert "filename*=UTF-8''" in reply.headers["content-disposition"]
    doc = Document(io.BytesIO(reply.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    assert "听课人：陈老师" in text and "听课人：王研训（数学教研员）" in text and "张老师" not in text
    note_rows = [r[:2] for r in cells]
    assert note_rows.count(["01:15", "导入联系生活实际"]) == 2 and note_rows.count(["20:10", "小组合作讨论充分"]) == 2
    assert text.count("总评：扎实") == 2 and "Krippendorff" in text
    assert ["教学目标", "10", "8.5", "0.71", "8", "9"] in cells  # mean, std, min, max across the two

    reply = client.get(f"/api/lessons/{lesson}/report.xlsx", headers=teacher2)
    assert reply.status_code == 200
    book = load_workbook(io.BytesIO(reply.content))
    assert book.sheetnames == ["评分", "维度统计", "课堂记录"]
    rows = [list(r) for r in book["评分"].iter_rows(values_only=True)]
    by_observer = {r[0]: r for r in rows[3:]}
    assert set(by_observer) == {"陈老师", "王研训（数学教研员）"}
    assert by_observer["陈老师"][3:10] == [9, 8, 9, 7, 8, 8, 9]
    notes = list(book["课堂记录"].iter_rows(values_only=True))
    assert ("陈老师", "01:15", 75, "导入联系生活实际") in [n[:4] for n in notes]
    assert len(notes) == 1 + 4  # header and two notes from each submitted observation


def test_downloads_follow_the_lesson_access(client, login) -> None:
    teacher2 = login("teacher2")
    private = _lesson(client, teacher2, "一元一次方程（个人备课）")
    for fmt in ("docx", "xlsx"):
        assert client.get(f"/api/lessons/{private}/report.{fmt}", headers=teacher2).status_code == 200
        reply = client.get(f"/api/lessons/{private}/report.{fmt}", headers=login("teacher1"))
        assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"
        assert client.get(f"/api/lessons/{private}/report.{fmt}").status_code == 401
        assert client.get(f"/api/lessons/999999/report.{fmt}", headers=teacher2).status_code == 404
