"""A researcher who may watch a lesson but not score it is told why on a phone, on every page that would
let them observe: the lesson page, the workspace's address, and the live view (which said only 'you may
watch this lesson but not observe it')."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.api.test_observe_refusal import public_chinese_lesson
from tests.web.conftest import no_horizontal_overflow, sign_in

pytestmark = [pytest.mark.browser]

WHY = "这节课不是您负责的学科：教研员在所联系片区内听评本学科的课，在蹲点联系学校可听评所有学科。"


def test_a_researcher_who_may_watch_but_not_score_is_told_why(new_page, sqlite_db, web_demo) -> None:
    lesson = public_chinese_lesson(sqlite_db, web_demo)  # a public 语文 lesson; researcher1 teaches 数学
    page = new_page(phone=True)
    sign_in(page, "researcher1", f"/lessons/{lesson}")
    expect(page.locator("#observe-link")).to_have_count(0)
    expect(page.locator("#observe-why")).to_have_text(WHY)
    assert no_horizontal_overflow(page)
    page.goto(f"/lessons/{lesson}/observe")  # the workspace, by its address
    expect(page.locator("#page-error")).to_have_text(WHY)
    page.goto(f"/lessons/{lesson}/live/observe")  # the live view: may watch, not take notes
    expect(page.locator("#observe-why")).to_have_text(WHY)
    expect(page.locator("#notes-start")).to_have_count(0)
    page.click("#lang-switch")
    expect(page.locator("#observe-why")).to_have_text(
        "This lesson is not in your subject: researchers observe their own subject in their zones, and every "
        "subject at their contact schools.")
    assert page.js_errors == [], page.js_errors
