"""The lesson list on a phone: lessons to come apart from those already held, and a keyword search."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.conftest import no_horizontal_overflow, shot, sign_in

pytestmark = [pytest.mark.browser]


def titles(page) -> list[str]:
    return page.locator("#lesson-list .lesson-title").all_inner_texts()


def test_lessons_to_come_apart_from_lessons_held_and_a_keyword(new_page, web_demo) -> None:
    """Regression (issue 12 part 4): one list mixed past and future lessons, with no keyword search."""
    page = new_page(phone=True)
    sign_in(page, "teacher1", "/lessons")
    # what is to come, soonest first (the demo's lessons are 1 to 6 days ahead)
    expect(page.locator("#when-upcoming")).to_have_attribute("aria-current", "page")
    upcoming = titles(page)
    assert upcoming[:3] == ["勾股定理（示范课）", "勾股定理（同课异构）", "古诗二首·春晓"], upcoming
    assert "有理数的加法（常态课）" not in upcoming  # held two days ago
    expect(page.locator("#when-upcoming .badge")).to_have_text(str(len(upcoming)))
    assert no_horizontal_overflow(page)
    shot(page, "lessons-upcoming-phone")

    page.click("#when-held")
    expect(page.locator("#when-held")).to_have_attribute("aria-current", "page")
    held = titles(page)
    assert set(held) == {"有理数的加法（常态课）", "《小蝌蚪找妈妈》（课改合格课）"}, held
    assert not set(held) & set(upcoming)

    # a keyword: in titles, and teachers' names; the tab stays, each count follows
    page.fill("#lesson-q", "周老师")
    page.press("#lesson-q", "Enter")
    expect(page.locator("#when-held")).to_have_attribute("aria-current", "page")
    assert titles(page) == ["《小蝌蚪找妈妈》（课改合格课）"]
    expect(page.locator("#when-upcoming .badge")).to_have_text("1")
    page.click("#when-upcoming")
    assert titles(page) == ["《植物妈妈有办法》"]
    expect(page.locator("#lesson-q")).to_have_value("周老师")
    page.fill("#lesson-q", "勾股")
    page.press("#lesson-q", "Enter")
    assert titles(page) == ["勾股定理（示范课）", "勾股定理（同课异构）"]
    expect(page.locator("#when-held .badge")).to_have_text("0")
    page.fill("#lesson-q", "没有这样的课")
    page.press("#lesson-q", "Enter")
    expect(page.locator("#lesson-list")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("没有即将上的课。")
    assert page.js_errors == [], page.js_errors
