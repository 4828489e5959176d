"""Real Chromium: a host panel and participants' phones on one poll; the host's results move without reload.
Also the discussion component on a lesson page, a mention and the nav's notification badge."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.factories import lesson_id
from tests.web.conftest import no_horizontal_overflow, shot, sign_in

pytestmark = pytest.mark.slow
WAIT = 15_000  # ms: several suites share two cores; a bound, not a speed claim


def count(page: Page, question: int, option: int) -> Any:
    return page.locator(f"#poll-results .result-q >> nth={question}").locator(f".bar-row[data-index='{option}'] .count")


def test_participants_vote_and_the_host_sees_it_live(new_page: Any, sqlite_db: str) -> None:
    lid = lesson_id(sqlite_db, "勾股定理（示范课）")
    host: Page = new_page()
    sign_in(host, "teacher1", f"/polls/new?lesson={lid}")
    expect(host.locator(".question")).to_have_count(1, timeout=WAIT)  # a sample single-choice question to start from
    host.select_option("#new-kind", "rating")
    host.click("#add-question")
    host.locator(".question >> nth=1").locator(".q-prompt").fill("这节课的总体评分")
    host.click("#poll-create")
    host.wait_for_url("**/polls/*/host")
    code = host.locator("#poll-code").inner_text().strip()
    expect(host.locator("#respondents")).to_have_text("0", timeout=WAIT)
    expect(count(host, 0, 1)).to_have_text("0", timeout=WAIT)
    host.evaluate("window.stillTheSamePage = true")
    shot(host, "poll-host-empty")

    phones = []
    for username, option, stars in (("teacher2", 1, 4), ("teacher3", 0, 5)):
        phone: Page = new_page(phone=True)
        if username == "teacher2":
            sign_in(phone, username, f"/p/{code}")  # the link
        else:
            sign_in(phone, username, "/p")  # or the code typed by hand, in lower case
            phone.fill("#poll-join-code", code.lower())
            phone.click("#poll-join-form button[type=submit]")
            phone.wait_for_url(f"**/p/{code}")
        expect(phone.locator("#poll-status")).to_contain_text("提交", timeout=WAIT)
        phone.locator(f"fieldset >> nth=0 >> .choice[data-index='{option}']").click()
        phone.locator(f"fieldset >> nth=1 >> .choice[data-index='{stars}']").click()
        phone.click("#poll-submit")
        expect(phone.locator("#poll-status")).to_contain_text("可以修改", timeout=WAIT)
        phones.append(phone)

    # the host's page updates by itself (server-sent events), and so does the first participant's
    expect(host.locator("#respondents")).to_have_text("2", timeout=WAIT)
    expect(count(host, 0, 0)).to_have_text("1", timeout=WAIT)
    expect(count(host, 0, 1)).to_have_text("1", timeout=WAIT)
    expect(host.locator("#poll-results .average")).to_contain_text("4.50", timeout=WAIT)
    expect(phones[0].locator("#respondents")).to_have_text("2", timeout=WAIT)
    assert host.evaluate("window.stillTheSamePage") is True

    # changing an answer replaces it
    phones[0].locator("fieldset >> nth=0 >> .choice[data-index='0']").click()
    phones[0].click("#poll-submit")
    expect(count(host, 0, 0)).to_have_text("2", timeout=WAIT)
    expect(count(host, 0, 1)).to_have_text("0", timeout=WAIT)
    expect(host.locator("#respondents")).to_have_text("2", timeout=WAIT)
    shot(host, "poll-host-live")

    host.click("#poll-close")
    expect(host.locator("#poll-state")).to_have_text("已结束", timeout=WAIT)
    expect(phones[1].locator("#poll-submit")).to_be_disabled(timeout=WAIT)
    expect(phones[1].locator("#poll-status")).to_contain_text("已结束", timeout=WAIT)
    assert no_horizontal_overflow(phones[1])
    shot(phones[1], "poll-participant-phone")
    for page in (host, *phones):
        assert page.js_errors == []  # type: ignore[attr-defined]


def test_discussion_on_a_lesson_mentions_and_badge(new_page: Any, sqlite_db: str) -> None:
    lid = lesson_id(sqlite_db, "勾股定理（同课异构）")
    author: Page = new_page(phone=True)
    sign_in(author, "teacher2", f"/lessons/{lid}")
    expect(author.locator("#threads-empty")).to_be_visible(timeout=WAIT)
    author.click("#thread-new summary")
    author.fill("#thread-title", "拼图引入是否合适")
    author.fill("#thread-body", "@teacher1 陈老师，您的示范课用的是什么引入？")
    author.click("#thread-submit")
    expect(author.locator("#thread-list li")).to_have_count(1, timeout=WAIT)
    expect(author.locator("#thread-list li")).to_contain_text("刘老师 · 青山乡中心小学", timeout=WAIT)
    assert no_horizontal_overflow(author)
    shot(author, "discussion-lesson-phone")

    reader: Page = new_page()
    sign_in(reader, "teacher1", "/")
    expect(reader.locator("#notif-count")).to_have_text("1", timeout=WAIT)
    reader.click("#nav-notifications")
    reader.locator("#notif-list a").first.click()
    reader.wait_for_url("**/discussions/*")
    expect(reader.locator(".post").first).to_contain_text("您的示范课", timeout=WAIT)
    expect(reader.locator(".post .mention").first).to_have_text("@teacher1", timeout=WAIT)
    reader.fill("#reply-body", "用的是赵爽弦图拼图。")
    reader.click("#reply-submit")
    expect(reader.locator(".post")).to_have_count(2, timeout=WAIT)
    expect(reader.locator("#notif-count")).to_be_hidden(timeout=WAIT)
    author.reload()
    expect(author.locator("#notif-count")).to_have_text("1", timeout=WAIT)  # the reply reached the thread's author
    for page in (author, reader):
        assert page.js_errors == []  # type: ignore[attr-defined]
