"""双师课堂 in real Chromium (fake camera and microphone): two classroom browser contexts and observers on
one relay. Every observer sees every classroom, a classroom that joins later appears by itself, a
classroom leaving and the master ending the lesson are shown to the others; the layout on a phone."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import lesson_id
from tests.live.app_relay import DUAL_TITLE, live_site_forwarding_only  # noqa: F401  (fixture)
from tests.web.conftest import no_horizontal_overflow, shot, sign_in
from tests.web.test_live_pages import start_publishing

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MASTER = "主讲端 城东实验小学"
RURAL = "辅助端 青山乡中心小学"
# frames each <video> presented, by its classroom: requestVideoFrameCallback and the decoder's own count
FRAMES_JS = """(sel) => Object.fromEntries([...document.querySelectorAll(sel)].map(f => {
    const v = f.querySelector('video');
    const decoded = v.getVideoPlaybackQuality().totalVideoFrames;
    return [f.dataset.label, {shown: Number(v.dataset.frames || 0), decoded}];
}))"""


def frames(page: Page, tiles: str) -> dict[str, dict[str, int]]:
    return page.evaluate(FRAMES_JS, f"{tiles} figure.tile")


def every_tile_plays(page: Page, tiles: str, labels: list[str], minimum: int = 5, timeout: float = 20_000) -> None:
    """Each classroom in ``labels`` has a tile whose <video> presented and decoded at least ``minimum``
    frames (a black tile with 0 frames fails, after ``timeout`` ms)."""
    condition = f"""() => {{
        const seen = ({FRAMES_JS})({json.dumps(tiles + " figure.tile")});
        return {json.dumps(labels)}.every(l => seen[l] && seen[l].shown >= {minimum} && seen[l].decoded >= {minimum});
    }}"""
    try:
        page.wait_for_function(condition, timeout=timeout)
    except Exception:
        raise AssertionError(f"not every classroom plays in {tiles}: {frames(page, tiles)}") from None


def observe(page: Page, username: str, lesson: int) -> None:
    sign_in(page, username, f"/lessons/{lesson}/live/observe")


def test_every_observer_sees_every_classroom_and_a_later_classroom_appears(
        live_site_forwarding_only, new_page, sqlite_db):  # noqa: F811
    """Regression: one of the two classrooms stayed black with 0 frames on the observers' page (the
    relay answered their offer's second video section on a stopped transport)."""
    lesson = lesson_id(sqlite_db, DUAL_TITLE)
    early = new_page()  # opens the page before anyone is live
    observe(early, "teacher4", lesson)
    expect(early.locator("#live-state")).to_have_attribute("data-state", "waiting")
    master = new_page()
    start_publishing(master, "teacher1", lesson)
    every_tile_plays(early, "#tiles", [MASTER])
    before = frames(early, "#tiles")[MASTER]["shown"]

    rural = new_page(phone=True)
    start_publishing(rural, "teacher2", lesson)
    # the later classroom appears on the open page, and the master's picture did not stop meanwhile
    expect(early.locator("#tiles figure.tile")).to_have_count(2, timeout=20_000)
    every_tile_plays(early, "#tiles", [MASTER, RURAL])
    assert frames(early, "#tiles")[MASTER]["shown"] > before
    assert early.evaluate("document.querySelectorAll('#tiles video').length") == 2

    late = new_page(phone=True)  # opens the page when both are live
    observe(late, "researcher2", lesson)
    every_tile_plays(late, "#tiles", [MASTER, RURAL])
    for page in (early, late):
        expect(page.locator("#live-state")).to_have_attribute("data-state", "connected")
        # each classroom's network quality, from getStats: a round trip in ms and a loss share
        for label in (MASTER, RURAL):
            badge = page.locator(f'#tiles figure.tile[data-label="{label}"] .tile-net')
            expect(badge).to_be_visible(timeout=10_000)
            expect(badge).to_have_attribute("data-level", "good")
            expect(badge).to_have_attribute("data-loss", re.compile(r"^0(\.\d+)?$"))
            expect(badge).to_have_attribute("data-rtt", re.compile(r"^\d+$"))
            assert "毫秒" in badge.inner_text() and "丢包" in badge.inner_text()
    # the classrooms see each other as well
    every_tile_plays(master, "#others", [RURAL])
    every_tile_plays(rural, "#others", [MASTER])
    assert no_horizontal_overflow(late)
    shot(late, "dual-observer-phone")
    for page in (early, late, master, rural):
        assert page.js_errors == [], page.js_errors


def test_leaving_and_ending_are_shown_and_the_other_classroom_is_the_large_picture(
        live_site_forwarding_only, new_page, sqlite_db):  # noqa: F811
    """Regression: a classroom that left stayed 已连接 over a frozen frame on the master's page; when the
    master ended the lesson the rural room kept saying 直播中 over a black tile."""
    lesson = lesson_id(sqlite_db, DUAL_TITLE)
    master = new_page()
    start_publishing(master, "teacher1", lesson)
    rural = new_page(phone=True)
    start_publishing(rural, "teacher2", lesson)
    observer = new_page()
    observe(observer, "head1", lesson)
    every_tile_plays(master, "#others", [RURAL])
    every_tile_plays(rural, "#others", [MASTER])
    every_tile_plays(observer, "#tiles", [MASTER, RURAL])

    # the page's title says 双师课堂 once
    assert rural.locator("h1").inner_text() == "双师课堂：圆的面积"
    assert rural.title().startswith("双师课堂：圆的面积")
    # on the phone, the other classroom is the large picture and this classroom's camera the small one
    other = rural.locator("#others figure.tile").bounding_box()
    mine = rural.locator("#self-tile").bounding_box()
    assert other and mine
    assert other["width"] >= 300, other
    assert mine["width"] * 2 <= other["width"]
    assert mine["width"] * mine["height"] * 4 <= other["width"] * other["height"]
    assert no_horizontal_overflow(rural)
    shot(rural, "dual-classroom-rural-phone")
    # any tile goes full screen, and comes back
    rural.locator(f'#others figure.tile[data-label="{MASTER}"] .tile-full').click()
    rural.wait_for_function(f"document.fullscreenElement?.dataset.label === {json.dumps(MASTER)}")
    expect(rural.locator(f'#others figure.tile[data-label="{MASTER}"] .tile-full')).to_have_text("退出全屏")
    rural.locator(f'#others figure.tile[data-label="{MASTER}"] .tile-full').click()
    rural.wait_for_function("document.fullscreenElement === null")
    rural.locator("#self-tile .tile-full").click()
    rural.wait_for_function("document.fullscreenElement?.id === 'self-tile'")
    rural.evaluate("document.exitFullscreen()")
    expect(rural.locator("#self-tile .tile-net")).to_be_visible(timeout=10_000)  # this classroom's own link

    # the rural classroom leaves: the master and the observer see it leave
    rural.click("#live-stop")
    rural.click("#live-stop-confirm")
    expect(rural.locator("#live-ended")).to_be_visible()
    for page, tiles in ((master, "#others"), (observer, "#tiles")):
        notice = page.locator(f'{tiles} figure.tile[data-label="{RURAL}"] .tile-notice')
        expect(notice).to_have_text("已离开课堂", timeout=10_000)
    expect(master.locator("#others-state")).to_have_attribute("data-state", "left")
    expect(master.locator("#others-state")).to_have_text("教室都已离开课堂")
    expect(observer.locator(f'#tiles figure.tile[data-label="{MASTER}"] .tile-notice')).to_be_hidden()

    # it comes back: the notice goes and its picture plays again
    rural.reload()
    rural.click("#live-start")
    expect(rural.locator("#live-state")).to_have_attribute("data-state", "connected", timeout=15_000)
    for page, tiles in ((master, "#others"), (observer, "#tiles")):
        expect(page.locator(f'{tiles} figure.tile[data-label="{RURAL}"] .tile-notice')).to_be_hidden(timeout=10_000)
    before = frames(observer, "#tiles")[RURAL]["shown"]
    again = f"() => ({FRAMES_JS})('#tiles figure.tile')[{json.dumps(RURAL)}].shown > {before + 10}"
    observer.wait_for_function(again, timeout=20_000)
    every_tile_plays(rural, "#others", [MASTER])

    # the master ends the lesson: the rural room and the observer are told, and the rural camera stops
    master.click("#live-stop")
    master.click("#live-stop-confirm")
    expect(master.locator("#live-ended")).to_be_visible(timeout=15_000)
    expect(rural.locator("#lesson-over")).to_be_visible(timeout=10_000)
    expect(rural.locator("#lesson-over-text")).to_have_text("主讲端已结束本课，录像稍后可在课程页观看。")
    expect(rural.locator("#others-state")).to_have_attribute("data-state", "ended")
    expect(rural.locator("#live-state")).to_have_attribute("data-state", "stopped")
    assert rural.evaluate("window.livePublisher.live") is False
    expect(observer.locator("#lesson-over")).to_be_visible(timeout=10_000)
    expect(observer.locator("#live-state")).to_have_text("本课已结束")
    for page in (master, rural, observer):
        assert page.js_errors == [], page.js_errors
