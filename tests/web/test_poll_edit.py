"""Real Chromium: the poll's creator rewords a question and its options on the host panel, participants get the
new wording; once someone answered, the panel locks editing and a save that raced the answer is refused with a
message in the page's language."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import no_horizontal_overflow, shot, sign_in
from tests.web.test_poll_live import WAIT, lesson_id

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_creator_edits_a_question_until_the_first_answer(new_page: Any, sqlite_db: str) -> None:
    lid = lesson_id(sqlite_db, "勾股定理（示范课）")
    host: Page = new_page(phone=True)
    sign_in(host, "teacher1", f"/polls/new?lesson={lid}")
    expect(host.locator(".question")).to_have_count(1, timeout=WAIT)
    host.click("#poll-create")
    host.wait_for_url("**/polls/*/host")
    code = host.locator("#poll-code").inner_text().strip()
    item = host.locator("#poll-questions li.edit-q").first
    expect(host.locator("#poll-edit-hint")).to_be_visible()

    item.locator("button.q-edit").click()
    form = item.locator("form.q-form")
    expect(form.locator("input[name=prompt]")).to_be_focused()
    form.locator("input[name=prompt]").fill("本节课的学习目标是否达成？")
    form.locator("textarea[name=options]").fill("达成\n基本达成\n部分达成\n未达成")
    form.locator("button[type=submit]").click()
    expect(form).to_be_hidden(timeout=WAIT)
    expect(item.locator(".q-text")).to_have_text("本节课的学习目标是否达成？")
    # the live results follow the new wording (the edit bumped the poll's version)
    result = host.locator("#poll-results .result-q").first
    expect(result.locator("h3")).to_have_text("本节课的学习目标是否达成？", timeout=WAIT)
    expect(result.locator(".bar-row")).to_have_count(4, timeout=WAIT)

    # the API's checks, said in Chinese
    item.locator("button.q-edit").click()
    form.locator("textarea[name=options]").fill("只有一个")
    form.locator("button[type=submit]").click()
    error = form.locator(".error")
    expect(error).to_have_text("选择题至少需要 2 个选项。", timeout=WAIT)
    form.locator("textarea[name=options]").fill("达成\n基本达成\n部分达成\n未达成")
    form.locator("input[name=prompt]").fill("学习目标达成了吗？")
    assert no_horizontal_overflow(host)
    shot(host, "poll-edit-375")

    # a participant answers the edited question while the host's form is still open
    phone: Page = new_page(phone=True)
    sign_in(phone, "teacher2", f"/p/{code}")
    expect(phone.locator("fieldset.poll-q legend").first).to_contain_text("本节课的学习目标是否达成？", timeout=WAIT)
    phone.locator("fieldset >> nth=0 >> .choice[data-index='1']").click()
    expect(phone.locator("fieldset >> nth=0 >> .choice[data-index='1']")).to_contain_text("基本达成")
    phone.click("#poll-submit")
    expect(phone.locator("#poll-status")).to_contain_text("可以修改", timeout=WAIT)

    # the host's panel locks editing by itself, and the save that was under way is refused, in Chinese
    expect(host.locator("#respondents")).to_have_text("1", timeout=WAIT)
    expect(host.locator("#poll-edit-locked")).to_be_visible()
    expect(item.locator("button.q-edit")).to_be_disabled()
    form.locator("button[type=submit]").click()
    expect(error).to_have_text("已有 1 人作答，题目不能再修改；如需修改题目，请新建一个投票。", timeout=WAIT)
    expect(item.locator(".q-text")).to_have_text("本节课的学习目标是否达成？")
    expect(result.locator(".bar-row[data-index='1'] .count")).to_have_text("1", timeout=WAIT)
    shot(host, "poll-edit-refused-375")

    # someone else's poll: no editor
    other: Page = new_page(phone=True)
    sign_in(other, "researcher1", "/" + host.url.split("/", 3)[3])
    expect(other.locator("#poll-code")).to_be_visible()
    assert other.locator("#poll-questions").count() == 0
    for page in (host, phone, other):
        assert page.js_errors == []  # type: ignore[attr-defined]
