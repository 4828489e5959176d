"""In Chromium: the report's transcript says who spoke, the teacher corrects the misheard 长方线 in place, and
search finds 长方形 afterwards; a colleague without the right sees no 更正 button."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from models import TranscriptSegment
from models.db import session_scope
from models.search_index import index_lesson
from tests.factories import lesson_id
from tests.live.app_relay import bearer
from tests.web.conftest import sign_in

pytestmark = [pytest.mark.browser]

TITLE = "双师课堂：圆的面积"


def test_the_teacher_corrects_a_misheard_line_on_the_report(new_page, server, sqlite_db) -> None:
    lesson = lesson_id(sqlite_db, TITLE)
    with session_scope(sqlite_db) as session:
        session.add(TranscriptSegment(lesson_id=lesson, idx=0, start=0.0, end=8.0, speaker="teacher",
                                      text="拼成一个近似的长方线，长和宽分别是多少？"))
        session.add(TranscriptSegment(lesson_id=lesson, idx=1, start=9.0, end=12.0, speaker="mixed",
                                      text="长是圆周长的一半。对。"))
        session.flush()
        index_lesson(session, lesson)

    page = new_page()
    sign_in(page, "teacher1", f"/lessons/{lesson}/report")
    lines = page.locator("#transcript p.segment")
    expect(lines.nth(0).locator(".speaker")).to_have_text("教师：")
    expect(lines.nth(1).locator(".speaker")).to_have_text("多人：")
    lines.nth(0).get_by_role("button", name="更正").click()
    page.get_by_label("这一句实际说的是").fill("拼成一个近似的长方形，长和宽分别是多少？")
    page.get_by_role("button", name="保存更正").click()
    expect(lines.nth(0).locator(".segment-text")).to_have_text("拼成一个近似的长方形，长和宽分别是多少？")
    found = httpx.get(f"{server}/api/search", params={"q": "长方形"}, headers=bearer(server, "teacher1"), timeout=30)
    assert lesson in {item["id"] for item in found.json()["items"]}
    assert page.js_errors == [], page.js_errors

    # the player's transcript: the same labels, and a correction there reaches the subtitles
    page.goto(f"{server}/lessons/{lesson}/play")
    played = page.locator("#transcript p.segment")
    expect(played.nth(1).locator(".speaker")).to_have_text("多人：")
    played.nth(1).get_by_role("button", name="更正").click()
    page.get_by_label("这一句实际说的是").fill("长是圆周长的一半。")
    page.get_by_label("说话人").select_option("student")
    page.get_by_role("button", name="保存更正").click()
    expect(played.nth(1).locator(".speaker")).to_have_text("学生：")
    vtt = httpx.get(f"{server}/api/lessons/{lesson}/subtitles.vtt", headers=bearer(server, "teacher1"), timeout=30)
    assert "长是圆周长的一半。\n" in vtt.text and "对。" not in vtt.text
    assert page.js_errors == [], page.js_errors

    other = new_page()
    sign_in(other, "teacher2", f"/lessons/{lesson}/report")
    expect(other.locator("#transcript p.segment").nth(0).locator(".segment-text")).to_have_text(
        "拼成一个近似的长方形，长和宽分别是多少？")
    expect(other.get_by_role("button", name="更正")).to_have_count(0)
