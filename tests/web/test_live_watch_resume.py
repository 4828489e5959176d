"""The crowd's live HLS page follows a resume (issue 12 part 2), in real Chromium on a phone against the
real app and a relay with live HLS: when the broadcaster ends the lesson the page says it is a replay;
when the teacher resumes it, the page goes back to live by itself (no reload) and plays the new part,
whose timeline continues after the first."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import lesson_id
from tests.live.app_relay import BROADCAST_TITLE, live_site, wait_for  # noqa: F401  (fixture)
from tests.web.conftest import broadcast_with_observer, shot, sign_in
from tingke.settings import get_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PLAYING = "window.liveHls && document.getElementById('player').currentTime > {:g}"


def test_the_crowd_page_goes_live_again_when_the_lesson_is_resumed(live_site, new_page, sqlite_db):  # noqa: F811
    lesson = lesson_id(sqlite_db, BROADCAST_TITLE)
    phone, _observer = broadcast_with_observer(new_page, lesson)
    wait_for(lambda: (get_settings().media_root / "live" / str(lesson) / "hls" / "master.m3u8").is_file(),
             20, "the live HLS master playlist")
    crowd = new_page(phone=True)
    sign_in(crowd, "teacher3", f"/lessons/{lesson}/live/watch")
    state = crowd.locator("#live-state")
    crowd.wait_for_function(PLAYING.format(1), timeout=30_000)
    expect(state).to_have_attribute("data-state", "live")
    phone.wait_for_timeout(4000)

    phone.click("#live-stop")
    phone.click("#live-stop-confirm")
    expect(phone.locator("#live-ended")).to_be_visible(timeout=20_000)
    # the playlists get ENDLIST: the page says it now plays the replay
    expect(state).to_have_attribute("data-state", "replay", timeout=20_000)
    first_part = crowd.evaluate("window.liveHls.levels[window.liveHls.currentLevel]?.details?.totalduration ?? 0")
    assert first_part > 3, first_part

    phone.click("#live-resume")
    expect(phone.locator("#live-state")).to_have_attribute("data-state", "connected", timeout=20_000)
    # within one check of the watch grant (10 s) and a segment or two, the crowd is live again
    expect(state).to_have_attribute("data-state", "live", timeout=40_000)
    crowd.wait_for_function("window.liveHls.levels.some(l => l.details && l.details.live)", timeout=20_000)
    crowd.wait_for_function(PLAYING.format(first_part + 1), timeout=30_000)  # the new part plays
    t0 = crowd.evaluate("document.getElementById('player').currentTime")
    crowd.wait_for_timeout(2000)
    assert crowd.evaluate("document.getElementById('player').currentTime") > t0 + 1
    shot(crowd, "live-watch-resumed-phone")
    phone.click("#live-stop")
    phone.click("#live-stop-confirm")
    expect(state).to_have_attribute("data-state", "replay", timeout=20_000)
    for page in (phone, crowd):
        assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]
