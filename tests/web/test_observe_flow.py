"""Two observers take notes, score and submit; the report shows both with their agreement; the
Word record downloads with the notes in it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTES = {
    "teacher2": [(65, "教师用拼图游戏引入勾股定理，学生兴趣浓厚"), (300, "小组合作探究，学生动手剪拼正方形"),
                 (1500, "提问有层次，候答时间充分")],
    "researcher2": [(120, "导入用时较长，可以更简洁"), (900, "板书清晰，推导过程完整"),
                    (2400, "当堂检测覆盖面广，目标达成度高")],
}
DISPLAY = {"teacher2": "刘老师", "researcher2": "李研训（语文教研员）"}
SCORES = {"teacher2": [9, 8, 8.5, 9, 8, 8.5, 9], "researcher2": [8.5, 8, 8, 8.5, 7.5, 8, 9]}


def observe(page: Page, username: str, lesson_id: int) -> None:
    sign_in(page, username, f"/lessons/{lesson_id}/observe")
    page.click("#start-observing")
    expect(page.locator("#notes-card")).to_be_visible()
    for t, text in NOTES[username]:
        page.fill("#clock-set", f"{t // 60}:{t % 60:02d}")
        page.locator("#clock-set").dispatch_event("change")
        page.fill("#note-text", text)
        page.press("#note-text", "Control+Enter")
        expect(page.locator("#notes-list li", has_text=text)).to_be_visible()
    for i, value in enumerate(SCORES[username]):
        field = page.locator("#dimensions input[type=number]").nth(i)
        field.fill(str(value))
        field.press("Tab")
    expect(page.locator("#total")).not_to_have_text("—")
    page.fill("#comments", f"{username} 的点评：结构完整。")
    page.fill("#summary", f"{username} 的总评：一节扎实的课。")
    page.once("dialog", lambda d: d.accept())
    page.click("#submit")
    expect(page.locator("#obs-state")).to_contain_text("已提交")
    shot(page, f"workspace-{username}")


def test_two_observers_notes_scores_report_docx(new_page, web_demo: dict[str, int], tmp_path) -> None:
    lesson_id = 1  # teacher1's 勾股定理 demonstration lesson
    for username in NOTES:
        page = new_page()
        observe(page, username, lesson_id)
        stamps = page.locator("#notes-list .time-link").all_text_contents()
        assert stamps == [f"{t // 60:02d}:{t % 60:02d}" for t, _ in NOTES[username]]
        assert not page.js_errors, page.js_errors

    page = new_page()
    sign_in(page, "teacher1", f"/lessons/{lesson_id}/report")  # the observed teacher
    expect(page.locator("#report-table tbody tr")).to_have_count(2)
    expect(page.locator("#agreement-value")).not_to_be_empty()
    expect(page.locator("#radar svg")).to_have_count(1)
    shot(page, "report")
    with page.expect_download() as info:
        page.click("#download-docx")
    path = tmp_path / "record.docx"
    info.value.save_as(path)
    from docx import Document

    document = Document(str(path))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    note_rows = {(row.cells[0].text, row.cells[1].text) for table in document.tables for row in table.rows}
    for username, notes in NOTES.items():
        assert f"听课人：{DISPLAY[username]}" in paragraphs
        for t, note in notes:
            assert (f"{t // 60:02d}:{t % 60:02d}", note) in note_rows
        assert f"{username} 的总评：一节扎实的课。" in paragraphs
    assert "Krippendorff" in paragraphs

    # 同课异构: lesson 1 beside teacher2's lesson on the same topic, with the scores just given.
    page.goto("/groups/1")
    expect(page.locator(".compare-col")).to_have_count(2)
    expect(page.locator("#compare-table thead")).to_contain_text("陈老师")
    expect(page.locator("#compare-table thead")).to_contain_text("刘老师")
    expect(page.locator("#compare-table tbody tr").last).to_contain_text("2")  # observers of lesson 1
    expect(page.locator("#compare-radar svg")).to_have_count(1)
    shot(page, "compare")
    assert not page.js_errors, page.js_errors
