"""Board and slide text (板书/课件) in the browser, on a generated lesson processed by the real pipeline:

- on a phone (375×812) over a weak link (100 kbit/s down, 300 ms), the library says a hit was written on the
  board or a slide and links to when it appeared; the player shows the lesson's board text as a second
  timeline while the recording is still loading (the text is a few KB);
- a line's time plays the recording from there, in the normal and in the low-bandwidth mode (which keeps
  the panel), and the line on screen is marked; the report shows the same timeline;
- someone who may not see the lesson gets neither the page nor the text.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from testkit.synth_board import phrase_times
from tests.support.board_lesson import SCENES, board_lesson, private_lesson_id, queue_upload
from tests.web.conftest import PHONE, no_horizontal_overflow, shot, sign_in
from workers.tasks import process_job

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WEAK_LINK = {"offline": False, "latency": 300, "downloadThroughput": 100_000 / 8, "uploadThroughput": 100_000 / 8}


def _video_time(page: Page) -> float:
    return float(page.evaluate("document.getElementById('video').currentTime"))


def _click_line_and_wait(page: Page, text: str, start: float) -> None:
    page.locator("#board-text .board-line", has_text=text).locator(".time-link").click()
    page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {start}) < 1.0")


def test_board_text_in_the_library_player_and_report(browser: Browser, new_page, server: str,
                                                      sqlite_db: str) -> None:
    lesson_id = private_lesson_id(sqlite_db)  # teacher2's private lesson
    assert process_job(queue_upload(sqlite_db, lesson_id, board_lesson(silent=True))) == "done"
    phrases = phrase_times(SCENES)
    target, appeared, _ = next(p for p in phrases if p[0] == "异分母分数怎样相加")

    # A phone on a weak link: the library labels the hit as written (板书/课件) and links to its moment.
    context = browser.new_context(base_url=server, viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    context.set_default_timeout(60_000)
    phone = context.new_page()
    cdp = context.new_cdp_session(phone)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", WEAK_LINK)
    sign_in(phone, "teacher2", f"/library?q={quote(target)}")
    result = phone.locator("#results li.result", has=phone.locator(f"a[href='/lessons/{lesson_id}/play']"))
    hit = result.locator("li.hit", has=phone.locator(".badge", has_text="板书/课件"))
    expect(hit).to_have_count(1)
    link = hit.locator("a.time-link")
    seconds = int((link.get_attribute("href") or "").rsplit("t=", 1)[1])
    assert 0 <= seconds - appeared <= 2.0, (seconds, appeared)
    shot(phone, "board-text-library-phone")
    link.click()
    phone.wait_for_url(f"**/lessons/{lesson_id}/play?t=*")
    # The text arrives long before the recording could (its player code alone is far larger): every line.
    expect(phone.locator("#board-text .board-line")).to_have_count(len(phrases), timeout=30_000)
    assert no_horizontal_overflow(phone)
    shot(phone, "board-text-player-phone")
    size = len(phone.request.get(f"/api/lessons/{lesson_id}/board-text").body())
    assert size < 4096, size
    context.close()

    # The player on a good link: a line's time plays from when it appeared; the line shown is marked.
    page = new_page()
    sign_in(page, "teacher2", f"/lessons/{lesson_id}/play")
    page.wait_for_function("document.getElementById('video').readyState >= 1")
    page.evaluate("document.getElementById('video').muted = true")
    lines = page.request.get(f"/api/lessons/{lesson_id}/board-text").json()["lines"]
    board = next(x for x in lines if x["text"] == "二分之一等于四分之二")
    _click_line_and_wait(page, board["text"], board["start"])
    page.wait_for_function(f"document.getElementById('video').currentTime > {board['start'] + 0.3}")
    current = page.locator("#board-text .board-line.current")
    expect(current.filter(has_text=board["text"])).to_have_count(1)
    expect(current.filter(has_text="课堂小结")).to_have_count(0)
    shot(page, "board-text-player")
    # Low bandwidth: audio and key frames only; the board text stays and still plays from its lines.
    page.check("#low-bandwidth")
    expect(page.locator("#video-box")).to_be_hidden()
    expect(page.locator("#storyboard-img")).to_have_attribute("src", re.compile(r"/media/.*expires="))
    page.wait_for_function("document.getElementById('video').readyState >= 1")  # the audio rendition plays
    expect(page.locator("#board-text-card")).to_be_visible()
    last = next(x for x in lines if x["text"] == "课堂小结")
    _click_line_and_wait(page, last["text"], last["start"])
    assert abs(_video_time(page) - last["start"]) < 1.0
    shot(page, "board-text-player-low-bandwidth")

    # The report shows the same timeline; a line plays the report's recording from there.
    page.goto(f"/lessons/{lesson_id}/report")
    expect(page.locator("#board-text .board-line")).to_have_count(len(lines))
    expect(page.locator("#video-box")).to_be_visible()
    page.evaluate("document.getElementById('video').muted = true")
    _click_line_and_wait(page, board["text"], board["start"])
    shot(page, "board-text-report")
    assert not page.js_errors, page.js_errors

    # Another teacher may not see this private lesson: no page, no text.
    stranger = new_page()
    sign_in(stranger, "teacher1")
    reply = stranger.goto(f"/lessons/{lesson_id}/play")
    assert reply is not None and reply.status == 404
    assert stranger.request.get(f"/api/lessons/{lesson_id}/board-text").status == 404
