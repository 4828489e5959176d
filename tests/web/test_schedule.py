"""Scheduling from the browser: a dual-teacher lesson with its classrooms, then a 同课异构 group of
two teachers' lessons on one topic, opened as the comparison page. Keyboard only where it matters."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.conftest import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_schedule_dual_lesson_and_group(new_page, web_demo: dict[str, int]) -> None:
    page = new_page(phone=True)
    sign_in(page, "teacher1", "/lessons/new")
    page.fill("input[name=title]", "分数的初步认识（双师）")
    page.fill("input[name=topic]", "分数的初步认识")
    page.fill("input[name=subject]", "数学")
    page.fill("input[name=grade]", "三年级")
    page.select_option("select[name=kind]", "open")
    page.select_option("#room-mode", "dual")
    rooms = page.locator("#classrooms .classroom")
    expect(rooms.first).to_be_visible()
    rooms.nth(0).locator("[name=room_school]").select_option(label="城东实验小学")
    rooms.nth(0).locator("[name=room_teacher]").select_option(label="陈老师")
    rooms.nth(1).locator("[name=room_school]").select_option(label="石桥村小学")
    rooms.nth(1).locator("[name=room_teacher]").select_option(label="张老师")
    shot(page, "phone-schedule-dual")
    page.click("#lesson-form button[type=submit]")
    page.wait_for_url(re.compile(r"/lessons/\d+$"))
    expect(page.locator("h1")).to_have_text("分数的初步认识（双师）")
    expect(page.locator("#lesson-info")).to_contain_text("石桥村小学")
    expect(page.locator("#lesson-info")).to_contain_text("公开课")
    new_id = int(page.url.rsplit("/", 1)[1])

    # A clear message, not a crash, when the form is incomplete.
    page.goto("/lessons/new")
    page.select_option("#room-mode", "dual")
    page.fill("input[name=title]", "只有标题")
    page.fill("input[name=grade]", "三年级")
    page.locator("#classrooms [name=room_school]").first.select_option(label="城东实验小学")
    page.click("#lesson-form button[type=submit]")
    # said in the page's language (apierr.dual_classrooms), not the API's English
    expect(page.locator("#form-error")).to_have_text("双师课堂需要一个主讲教室和 1 到 3 个远端教室。")

    # teacher2 schedules a lesson on the same topic; the researcher groups the two as 同课异构.
    other = new_page()
    sign_in(other, "teacher2", "/lessons/new")
    other.fill("input[name=title]", "分数的初步认识（乡村课堂）")
    other.fill("input[name=subject]", "数学")
    other.fill("input[name=grade]", "三年级")
    other.click("#lesson-form button[type=submit]")
    other.wait_for_url(re.compile(r"/lessons/\d+$"))
    other_id = int(other.url.rsplit("/", 1)[1])

    page = new_page()
    sign_in(page, "researcher2", f"/groups/new?lesson={new_id}")
    expect(page.locator("input[name=topic]")).to_have_value("分数的初步认识")
    page.check(f"input[name=lesson][value='{other_id}']")
    page.click("#group-form button[type=submit]")
    page.wait_for_url(re.compile(r"/groups/\d+$"))
    expect(page.locator(".compare-col")).to_have_count(2)
    expect(page.locator("#compare-columns")).to_contain_text("分数的初步认识（双师）")
    expect(page.locator("#compare-columns")).to_contain_text("刘老师")
    assert not page.js_errors, page.js_errors


def test_a_classrooms_teacher_list_offers_the_chosen_schools_teachers(new_page, web_demo: dict[str, int]) -> None:
    """Regression (issue 12): every classroom's teacher list offered every teacher of every school."""
    page = new_page(phone=True)
    sign_in(page, "teacher1", "/lessons/new")
    page.select_option("#room-mode", "dual")
    rural = page.locator("#classrooms .classroom").nth(1)
    teachers = rural.locator("[name=room_teacher]")
    expect(teachers).to_be_disabled()  # no school chosen yet
    rural.locator("[name=room_school]").select_option(label="石桥村小学")
    expect(teachers).to_be_enabled()
    assert teachers.locator("option").all_inner_texts() == ["—", "张老师"]
    teachers.select_option(label="张老师")
    rural.locator("[name=room_school]").select_option(label="城东实验小学")
    assert set(teachers.locator("option").all_inner_texts()) == {"—", "陈老师", "周老师", "赵校长"}
    expect(teachers).to_have_value("")  # 张老师 does not teach there: the choice is cleared
    rural.locator("[name=room_school]").select_option(label="青山乡中心小学")
    assert teachers.locator("option").all_inner_texts() == ["—", "刘老师"]
    assert not page.js_errors, page.js_errors


def test_keyboard_sign_in_and_note_hotkey(new_page, web_demo: dict[str, int]) -> None:
    page = new_page()
    page.goto("/login")
    assert page.evaluate("document.activeElement.name") == "username"  # autofocus
    for _ in range(10):  # back to the skip link, the first stop of the page
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.className") == "skip":
            break
    assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0  # shown when focused
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "username":
            break
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), outline  # visible focus
    page.keyboard.type("researcher1")
    page.keyboard.press("Tab")
    page.keyboard.type("tingke-demo")
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    page.goto("/lessons/2/observe")
    page.click("#start-observing")
    page.locator("h1").click()  # focus outside any text field
    page.fill("#clock-set", "3:30")
    page.locator("#clock-set").press("Tab")
    page.locator("h1").click()
    page.keyboard.press("n")  # N starts a note at the current lesson time
    assert page.evaluate("document.activeElement.id") == "note-text"
    page.keyboard.type("教师板书规范")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#notes-list li").first).to_contain_text("03:30")
