"""A phone's ICE restart in real Chromium against the real relay (a phone moving from Wi-Fi to mobile
data): the page restarts ICE through PATCH on its WHIP session instead of publishing anew; the session
(Location) stays, and an observer keeps receiving frames."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import lesson_id
from tests.live.app_relay import BROADCAST_TITLE, live_site_without_hls  # noqa: F401  (fixture)
from tests.web.conftest import broadcast_with_observer
from tests.web.test_live_pages import frames_advance

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STATE_JS = """() => { const p = window.livePublisher;
    return { location: p.location, ufrag: p.pc.localDescription.sdp.match(/a=ice-ufrag:(\\S+)/)[1],
             state: p.pc.connectionState, restarts: p.restarts || 0 }; }"""


def test_the_phone_restarts_ice_in_the_same_whip_session(live_site_without_hls, new_page, sqlite_db):  # noqa: F811
    lesson = lesson_id(sqlite_db, BROADCAST_TITLE)
    phone, observer = broadcast_with_observer(new_page, lesson)
    frames_advance(observer, "#tiles video", minimum=10)

    before = phone.evaluate(STATE_JS)
    assert phone.evaluate("window.livePublisher.restart()") is True, phone.evaluate("window.livePublisher.history")
    phone.wait_for_function("window.livePublisher.pc.connectionState === 'connected'", timeout=15_000)
    after = phone.evaluate(STATE_JS)
    assert after["location"] == before["location"]  # the same WHIP session resource
    assert after["ufrag"] != before["ufrag"] and after["restarts"] == 1  # new ICE credentials
    expect(phone.locator("#live-state")).to_have_attribute("data-state", "connected")
    frames_advance(observer, "#tiles video", minimum=10)  # the observer's session was never touched
    expect(observer.locator("#tiles video")).to_have_count(1)
    phone.click("#live-stop")
    phone.click("#live-stop-confirm")
    expect(phone.locator("#live-ended")).to_be_visible(timeout=15_000)
    for page in (phone, observer):
        assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]
