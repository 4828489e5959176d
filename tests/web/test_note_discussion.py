"""Real Chromium at 375 px: "讨论" next to a note on the report page starts the note's thread in place, and
opens that same thread for the next person; it works from the keyboard alone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import no_horizontal_overflow, shot, sign_in
from tests.web.test_poll_live import WAIT, lesson_id

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_discuss_a_note_from_the_report(new_page: Any, sqlite_db: str) -> None:
    lid = lesson_id(sqlite_db, "有理数的加法（常态课）")  # researcher1's signed drop-in with two notes
    teacher: Page = new_page(phone=True)
    sign_in(teacher, "teacher2", f"/lessons/{lid}/report")
    notes = teacher.locator("#records li.note")
    expect(notes).to_have_count(2, timeout=WAIT)
    first, second = notes.nth(0), notes.nth(1)
    expect(first.locator("button.note-discuss")).to_have_text("讨论")

    # no thread yet: the form opens under the note; Escape closes it and gives focus back
    second.locator("button.note-discuss").click()
    expect(second.locator("form.note-disc-form textarea")).to_be_focused(timeout=WAIT)
    expect(second.locator("form.note-disc-form")).to_contain_text("还没有人讨论这条记录")
    teacher.keyboard.press("Escape")
    expect(second.locator("form.note-disc-form")).to_have_count(0)
    expect(second.locator("button.note-discuss")).to_be_focused()
    expect(second.locator("button.note-discuss")).to_have_attribute("aria-expanded", "false")

    # keyboard only: focus the first note's button, open, an empty post is refused in Chinese, then post
    first.locator("button.note-discuss").focus()
    teacher.keyboard.press("Enter")
    form = first.locator("form.note-disc-form")
    expect(form.locator("textarea")).to_be_focused(timeout=WAIT)
    form.locator("button[type=submit]").focus()
    teacher.keyboard.press("Enter")
    expect(form.locator(".error")).to_have_text("“内容”填写不正确，请检查。", timeout=WAIT)
    assert no_horizontal_overflow(teacher)
    shot(teacher, "note-discussion-form-375")
    form.locator("textarea").focus()
    teacher.keyboard.type("@researcher1 我下次会把候答时间延长到5秒。")
    teacher.keyboard.press("Tab")
    teacher.keyboard.press("Enter")
    teacher.wait_for_url("**/discussions/*")
    thread_url = teacher.url
    expect(teacher.locator("h1")).to_have_text("关于 05:00 的记录：教师提问后候答时间不足3秒")
    expect(teacher.locator(".post").first).to_contain_text("候答时间延长到5秒", timeout=WAIT)
    expect(teacher.locator("p.meta a").first).to_have_attribute("href", f"/lessons/{lid}/report")
    assert no_horizontal_overflow(teacher)
    shot(teacher, "note-discussion-thread-375")

    # the observer, back on the report: the note's button says a discussion exists before any click
    # (from GET /api/lessons/{id}/note-discussions); the untouched note's button does not
    observer: Page = new_page(phone=True)
    sign_in(observer, "researcher1", f"/lessons/{lid}/report")
    expect(observer.locator("#records li.note")).to_have_count(2, timeout=WAIT)
    discussed = observer.locator("#records li.note").first.locator("button.note-discuss")
    expect(discussed).to_have_text("讨论 (1)", timeout=WAIT)
    expect(discussed).to_have_class("link note-discuss has-thread")
    expect(discussed).to_have_attribute("aria-label", "讨论 (1)：已有 1 个讨论，共 1 条发言，点击查看")
    expect(observer.locator("#records li.note").nth(1).locator("button.note-discuss")).to_have_text("讨论")
    assert no_horizontal_overflow(observer)
    shot(observer, "note-discussion-count-375")
    discussed.click()
    observer.wait_for_url(thread_url)
    expect(observer.locator(".post")).to_have_count(1, timeout=WAIT)
    # a reply counts: the teacher's report now says two posts
    observer.fill("#reply-body", "好的，下节课我再来听。")
    observer.click("#reply-submit")
    expect(observer.locator(".post")).to_have_count(2, timeout=WAIT)
    teacher.goto(f"/lessons/{lid}/report")
    expect(teacher.locator("#records li.note").first.locator("button.note-discuss")).to_have_text("讨论 (2)",
                                                                                                   timeout=WAIT)
    for page in (teacher, observer):
        assert page.js_errors == []  # type: ignore[attr-defined]
