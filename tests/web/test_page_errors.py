"""Real Chromium at 375 px: pages that once showed the API's English message now say a refusal in the page's
language, from the apierr.<code> rows of web/i18n/messages.tsv (the English message must not show)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import DiscussionPost, DiscussionThread, Lesson
from models.db import session_scope
from tests.web.conftest import no_horizontal_overflow, shot, sign_in
from tests.web.test_poll_live import WAIT, lesson_id

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_poll_form_refusal_in_chinese(new_page: Any, sqlite_db: str) -> None:
    lid = lesson_id(sqlite_db, "勾股定理（示范课）")
    page: Page = new_page(phone=True)
    sign_in(page, "teacher1", f"/polls/new?lesson={lid}")
    question = page.locator(".question").first
    expect(question).to_be_visible(timeout=WAIT)
    question.locator(".q-options").fill("只有一个选项")  # the API: options_required, "Question 1 needs ..."
    page.click("#poll-create")
    error = page.locator("#poll-new-error")
    expect(error).to_have_text("选择题至少需要 2 个选项。", timeout=WAIT)
    expect(error).not_to_contain_text("needs")
    assert "/polls/new" in page.url
    assert no_horizontal_overflow(page)
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_a_lost_connection_is_said_in_chinese(new_page: Any, sqlite_db: str) -> None:
    """A rural phone losing its signal: fetch() fails with the browser's English words ("Failed to
    fetch"); the page says it in its own language and keeps what was typed."""
    lid = lesson_id(sqlite_db, "勾股定理（示范课）")
    page: Page = new_page(phone=True)
    sign_in(page, "teacher1", f"/polls/new?lesson={lid}")
    question = page.locator(".question").first
    expect(question).to_be_visible(timeout=WAIT)
    question.locator(".q-options").fill("甲\n乙")
    page.context.set_offline(True)
    try:
        page.click("#poll-create")
        error = page.locator("#poll-new-error")
        expect(error).to_have_text("连不上服务器，请检查网络后重试。", timeout=WAIT)
        expect(error).not_to_contain_text("fetch")
        expect(question.locator(".q-options")).to_have_value("甲\n乙")
    finally:
        page.context.set_offline(False)
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_reply_to_a_locked_thread_refused_in_chinese(new_page: Any, sqlite_db: str, web_demo: dict[str, int]
                                                     ) -> None:
    lid = lesson_id(sqlite_db, "勾股定理（同课异构）")  # teacher2's lesson
    with session_scope(sqlite_db) as s:
        thread = DiscussionThread(lesson_id=lid, title="引入方式", author_id=web_demo["teacher1"])
        s.add(thread)
        s.flush()
        s.add(DiscussionPost(thread_id=thread.id, author_id=web_demo["teacher1"], body="用拼图引入好吗？"))
        thread_id = thread.id
    page: Page = new_page(phone=True)
    sign_in(page, "teacher2", f"/discussions/{thread_id}")
    expect(page.locator(".post")).to_have_count(1, timeout=WAIT)
    # a moderator locks the thread while teacher2 is writing: the reply is refused (thread_locked)
    with session_scope(sqlite_db) as s:
        locked = s.get(DiscussionThread, thread_id)
        assert locked is not None
        locked.locked = True
    page.fill("#reply-body", "我觉得可以。")
    page.click("#reply-submit")
    expect(page.locator("#toast")).to_have_text("这个讨论已锁定，不能再回复或修改。", timeout=WAIT)
    expect(page.locator(".post")).to_have_count(1)
    assert no_horizontal_overflow(page)
    shot(page, "discussion-locked-refusal-375")
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_library_search_refusal_in_chinese(new_page: Any, sqlite_db: str) -> None:
    page: Page = new_page(phone=True)
    sign_in(page, "teacher2", "/library?q=%21%3F%21")  # "!?!": nothing to search for (empty_query)
    error = page.locator("#search-error")
    expect(error).to_have_text("请至少输入一个汉字、字母或数字再搜索。", timeout=WAIT)
    expect(error).to_have_css("color", "rgb(179, 38, 30)")  # --err: the refusal reads as one
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_lesson_form_refusal_in_chinese(new_page: Any, sqlite_db: str) -> None:
    page: Page = new_page(phone=True)
    sign_in(page, "teacher1", "/lessons/new")
    page.fill("input[name=title]", "分数的意义")
    page.fill("input[name=subject]", "数学")
    page.fill("input[name=grade]", "五年级")
    page.select_option("#room-mode", "dual")
    page.click("#lesson-form button[type=submit]")  # no classroom chosen: dual_classrooms
    error = page.locator("#form-error")
    expect(error).to_have_text("双师课堂需要一个主讲教室和 1 到 3 个远端教室。", timeout=WAIT)
    with session_scope(sqlite_db) as s:
        assert s.scalar(select(Lesson.id).where(Lesson.title == "分数的意义")) is None
    assert no_horizontal_overflow(page)
    assert page.js_errors == []  # type: ignore[attr-defined]
