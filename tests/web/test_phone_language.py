"""At 375×812 the main pages fit without horizontal scrolling; the language switch changes the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.conftest import no_horizontal_overflow, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = {
    "home": "/", "lessons": "/lessons", "lesson": "/lessons/2", "schedule": "/lessons/new",
    "observe": "/lessons/2/observe", "report": "/lessons/1/report", "compare": "/groups/1",
    "signoffs": "/signoffs", "library": "/library?q=勾股", "player": "/lessons/2/play",
}


def test_phone_width_has_no_horizontal_overflow(new_page, web_demo: dict[str, int]) -> None:
    page = new_page(phone=True)
    page.goto("/")
    assert no_horizontal_overflow(page), "sign-in page"
    shot(page, "phone-login")
    sign_in(page, "researcher1")
    page.goto("/lessons/2/observe")
    page.click("#start-observing")
    expect(page.locator("#rubric-card")).to_be_visible()
    overflowing = []
    for name, path in PAGES.items():
        reply = page.goto(path)
        assert reply is not None and reply.ok, path
        page.wait_for_load_state("networkidle")
        shot(page, f"phone-{name}")
        if not no_horizontal_overflow(page):
            overflowing.append(name)
    assert not overflowing, f"horizontal overflow at 375 px: {overflowing}"
    assert not page.js_errors, page.js_errors


def test_language_switch(new_page, web_demo: dict[str, int]) -> None:
    page = new_page()
    page.goto("/login")
    expect(page.locator("h1")).to_have_text("登录")
    page.click("#lang-switch")
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    sign_in(page, "teacher1", "/lessons/1/report")
    expect(page.locator("#scores-h")).to_have_text("Scores per dimension")
    expect(page.locator("#no-observations")).to_have_text("No submitted observations yet.")  # from the JS table
    shot(page, "report-english")
    page.click("#lang-switch")
    expect(page.locator("#scores-h")).to_have_text("各维度评分")
    page.context.clear_cookies()
    sign_in(page, "teacher1")  # the choice was saved with the user: it comes back on a new sign-in
    expect(page.locator("#mine-h")).to_have_text("我的课")
