"""The phone publisher's camera switch and microphone mute, in real Chromium against the real relay.

Chromium's fake capture gives one camera by default and more with ``device-count=N``. None says
which way it faces, so the switch goes to the next camera in the list (a phone's cameras report
``facingMode`` and are switched front/back). The second fake camera is a depth sensor (Y16) whose
frames WebRTC cannot encode: the page must skip it rather than send nothing, so the test uses three
(``fake_device_0`` and ``fake_device_2`` are ordinary). The switch must not renegotiate: the same
WHIP session goes on, and an observer keeps receiving frames."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.factories import lesson_id
from tests.live.app_relay import BROADCAST_TITLE, live_site_without_hls  # noqa: F401  (fixture)
from tests.web.conftest import CHROMIUM_FLAGS, PHONE, shot, sign_in
from tests.web.test_live_pages import frames_advance

pytestmark = [pytest.mark.browser, pytest.mark.slow]

THREE_CAMERAS = [f"{flag}=device-count=3" if flag == "--use-fake-device-for-media-stream" else flag
                 for flag in CHROMIUM_FLAGS]

SENDER_JS = """() => {
    const p = window.livePublisher;
    const track = p.videoSender.track;
    return { id: track.id, state: track.readyState, device: track.getSettings().deviceId, camera: track.label,
             location: p.location, sdp: p.pc.localDescription.sdp, transceivers: p.pc.getTransceivers().length,
             senderIsThePcs: p.pc.getSenders().includes(p.videoSender) };
}"""

# What the publisher's encoder is fed and sends, from getStats(): the video source's track and frames
# encoded, and the microphone's energy (a disabled track feeds silence).
STATS_JS = """async () => {
    const out = { energy: 0, encoded: 0, source: null };
    (await window.livePublisher.pc.getStats()).forEach((r) => {
        if (r.type === "media-source" && r.kind === "audio") out.energy = r.totalAudioEnergy || 0;
        if (r.type === "media-source" && r.kind === "video") out.source = r.trackIdentifier;
        if (r.type === "outbound-rtp" && r.kind === "video") out.encoded += r.framesEncoded || 0;
    });
    return out;
}"""


@pytest.fixture
def three_camera_phone(browser: Browser, server: str) -> Iterator[BrowserContext]:
    """A phone-sized context in a Chromium whose fake capture has three cameras (the second: depth)."""
    chromium = browser.browser_type.launch(executable_path="/usr/bin/chromium", args=THREE_CAMERAS)
    context = chromium.new_context(base_url=server, viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(30_000)
    yield context
    context.close()
    chromium.close()


def _stats_over(page: Page, seconds: float) -> dict[str, float]:
    """Microphone energy and frames encoded gained in ``seconds``."""
    before = page.evaluate(STATS_JS)
    page.wait_for_timeout(seconds * 1000)
    after = page.evaluate(STATS_JS)
    return {"energy": after["energy"] - before["energy"], "encoded": after["encoded"] - before["encoded"]}


def _switch(page: Page) -> None:
    """Click the switch; the button is disabled while the page tries cameras, enabled again when done."""
    page.click("#live-switch")
    expect(page.locator("#live-switch")).to_be_enabled()


def _start(page: Page, lesson: int) -> None:
    if not hasattr(page, "js_errors"):  # pages of new_page collect their errors already
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors  # type: ignore[attr-defined]
    sign_in(page, "teacher1", f"/lessons/{lesson}/live")
    page.click("#live-start")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "connected", timeout=15_000)


def test_one_camera_disables_the_switch_with_a_reason(live_site_without_hls, new_page, sqlite_db):  # noqa: F811
    phone = new_page(phone=True)  # the session's Chromium: one fake camera
    _start(phone, lesson_id(sqlite_db, BROADCAST_TITLE))
    expect(phone.locator("#live-switch")).to_be_disabled()
    expect(phone.locator("#live-switch-note")).to_be_visible()
    expect(phone.locator("#live-switch-note")).to_have_text("没有其他可用的摄像头，无法切换。")
    assert phone.get_attribute("#live-switch", "aria-describedby") == "live-switch-note"
    expect(phone.locator("#live-mute")).to_be_enabled()
    shot(phone, "live-publish-one-camera-phone")
    assert phone.js_errors == [], phone.js_errors  # type: ignore[attr-defined]


def test_switch_camera_and_mute_while_an_observer_watches(live_site_without_hls, three_camera_phone,  # noqa: F811
                                                          new_page, sqlite_db):
    lesson = lesson_id(sqlite_db, BROADCAST_TITLE)
    phone = three_camera_phone.new_page()
    _start(phone, lesson)
    expect(phone.locator("#live-switch")).to_be_enabled()
    expect(phone.locator("#live-switch-note")).to_be_hidden()
    assert phone.evaluate("window.livePublisher.cameras.length") == 3

    observer = new_page()
    sign_in(observer, "teacher4", f"/lessons/{lesson}/live/observe")
    expect(observer.locator("#tiles video")).to_have_count(1, timeout=15_000)
    frames_advance(observer, "#tiles video", minimum=10)

    # switch: a new camera's track on the same sender, no new offer, no new WHIP session
    first = phone.evaluate(SENDER_JS)
    assert first["state"] == "live" and first["senderIsThePcs"]
    _switch(phone)
    second = phone.evaluate(SENDER_JS)
    assert second["id"] != first["id"] and second["state"] == "live"
    assert first["camera"] == "fake_device_0" and second["camera"] == "fake_device_2", (first, second)
    assert phone.evaluate("window.livePublisher.cameras.map(c => c.label)") == ["fake_device_0", "fake_device_2"]
    assert (second["location"], second["sdp"], second["transceivers"]) == \
        (first["location"], first["sdp"], first["transceivers"]), "the switch renegotiated"
    assert phone.evaluate("window.livePublisher.stream.getVideoTracks().map(t => t.id)") == [second["id"]]
    assert phone.evaluate("document.getElementById('preview').srcObject.getVideoTracks()[0].id") == second["id"]
    phone.wait_for_function(f"({STATS_JS})().then(s => s.source === {second['id']!r})")
    assert _stats_over(phone, 2)["encoded"] >= 10, "the new camera's frames are not being encoded"
    frames_advance(observer, "#tiles video", minimum=10)  # and they reach the observer through the relay
    expect(phone.locator("#live-switch")).to_be_enabled()
    expect(phone.locator("#live-state")).to_have_attribute("data-state", "connected")

    # switching again goes back to the first camera (the depth sensor is not tried again)
    _switch(phone)
    third = phone.evaluate(SENDER_JS)
    assert third["id"] != second["id"] and third["state"] == "live"
    assert third["camera"] == "fake_device_0" and third["device"] == first["device"]
    assert third["location"] == first["location"]
    frames_advance(observer, "#tiles video", minimum=10)

    # mute: the microphone track is disabled, the button says so, and the encoder is fed silence
    loud = _stats_over(phone, 2)["energy"]
    assert loud > 0.01, f"the fake microphone should be audible before muting (energy {loud})"
    phone.click("#live-mute")
    expect(phone.locator("#live-mute")).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("#live-mute")).to_have_text("取消静音")
    assert phone.evaluate("window.livePublisher.stream.getAudioTracks()[0].enabled") is False
    phone.wait_for_timeout(300)  # let the audio already in the pipeline drain
    quiet = _stats_over(phone, 2)["energy"]
    assert quiet < loud / 100, f"muted, the microphone still sends sound (energy {quiet} vs {loud})"
    shot(phone, "live-publish-muted-phone")

    phone.click("#live-mute")
    expect(phone.locator("#live-mute")).to_have_attribute("aria-pressed", "false")
    expect(phone.locator("#live-mute")).to_have_text("静音")
    assert phone.evaluate("window.livePublisher.stream.getAudioTracks()[0].enabled") is True
    phone.wait_for_timeout(300)
    again = _stats_over(phone, 2)["energy"]
    assert again > loud / 10, f"unmuted, the microphone should be heard again (energy {again} vs {loud})"
    assert phone.evaluate(SENDER_JS)["location"] == first["location"]  # the same session throughout

    # ending the broadcast releases the camera and the microphone
    phone.evaluate("window.capturedTracks = window.livePublisher.stream.getTracks()")
    phone.click("#live-stop")
    phone.click("#live-stop-confirm")
    expect(phone.locator("#live-ended")).to_be_visible(timeout=15_000)
    assert phone.evaluate("window.capturedTracks.map(t => t.readyState)") == ["ended", "ended"]
    assert phone.evaluate("document.getElementById('preview').srcObject") is None
    for page in (phone, observer):
        assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]
