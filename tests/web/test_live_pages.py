"""Real Chromium with a fake camera: the phone publisher page, the observer page, the crowd page
(hls.js) and ffmpeg as an HLS client, the recording left behind; a dual room's two classrooms."""

from __future__ import annotations

import json
import subprocess
import time

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import Lesson, LessonStatus, MediaAsset, MediaKind, Observation
from models.db import session_scope
from tests.factories import lesson_id
from tests.live.app_relay import (  # noqa: F401  (live_site fixtures)
    BROADCAST_TITLE,
    DUAL_TITLE,
    bearer,
    live_site,
    live_site_forwarding_only,
    wait_for,
)
from tests.web.conftest import no_horizontal_overflow, shot, sign_in
from tingke.settings import get_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FRAMES_JS = "(sel) => [...document.querySelectorAll(sel)].map(v => Number(v.dataset.frames || 0))"


def frames_advance(page: Page, selector: str, seconds: float = 3.0, minimum: int = 15) -> list[int]:
    """Once every <video> matching ``selector`` shows a picture, its presented frames grow by at least
    ``minimum`` in ``seconds``."""
    page.wait_for_function(f"({FRAMES_JS})({json.dumps(selector)}).every(n => n > 0)", timeout=15_000)
    before = page.evaluate(FRAMES_JS, selector)
    page.wait_for_timeout(seconds * 1000)
    after = page.evaluate(FRAMES_JS, selector)
    assert before and len(after) == len(before), (before, after)
    gained = [b - a for a, b in zip(before, after, strict=True)]
    assert all(g >= minimum for g in gained), f"frames gained in {seconds} s: {gained}"
    print(f"{selector}: {gained} frames in {seconds} s")
    return gained


def start_publishing(page: Page, username: str, lesson: int) -> None:
    sign_in(page, username, f"/lessons/{lesson}/live")
    page.click("#live-start")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "connected", timeout=15_000)


def ffmpeg_decodes(url: str, seconds: float, timeout: float = 40) -> int:
    """Video frames ffmpeg decodes from ``url`` (an HLS playlist over HTTP) in ``seconds`` of media."""
    result = subprocess.run(["ffmpeg", "-v", "error", "-rw_timeout", "10000000", "-i", url, "-t", str(seconds),
                             "-map", "0:v:0", "-f", "framecrc", "-"], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-2000:]
    return sum(1 for line in result.stdout.splitlines() if line and not line.startswith("#"))


def test_phone_broadcast_with_observer_crowd_and_recording(live_site, new_page, sqlite_db):  # noqa: F811
    base_url, _relay = live_site
    lesson = lesson_id(sqlite_db, BROADCAST_TITLE)

    # the lesson page links to going live
    teacher = new_page(phone=True)
    sign_in(teacher, "teacher1", f"/lessons/{lesson}")
    teacher.click("#go-live-link")
    teacher.wait_for_url(f"**/lessons/{lesson}/live")
    teacher.click("#live-start")
    expect(teacher.locator("#live-state")).to_have_attribute("data-state", "connected", timeout=15_000)
    started = time.monotonic()
    assert teacher.evaluate("window.livePublisher.codec") == "H264"  # so the crowd HLS copies the video
    assert no_horizontal_overflow(teacher)

    # an observer (a colleague of the same school) watches with low delay and takes a note
    observer = new_page()
    sign_in(observer, "teacher4", f"/lessons/{lesson}/live/observe")
    expect(observer.locator("#tiles video")).to_have_count(1, timeout=15_000)
    expect(observer.locator("#live-state")).to_have_attribute("data-state", "connected", timeout=15_000)
    frames_advance(observer, "#tiles video")
    quality = observer.evaluate("document.querySelector('#tiles video').getVideoPlaybackQuality().totalVideoFrames")
    assert quality > 0
    observer.click("#notes-start")
    observer.fill("#note-text", "教师用拼图引入，学生兴趣浓厚")
    observer.click("#add-note")
    expect(observer.locator("#notes-list li")).to_have_count(1)

    # the observer workspace of a live lesson: the classroom beside the rubric, notes on the relay's clock
    workspace = new_page()
    sign_in(workspace, "head1", f"/lessons/{lesson}/observe")
    expect(workspace.locator("#live-tiles video")).to_have_count(1, timeout=15_000)
    frames_advance(workspace, "#live-tiles video")
    workspace.click("#start-observing")
    workspace.fill("#note-text", "板书清晰，重点突出")
    workspace.press("#note-text", "Control+Enter")
    expect(workspace.locator("#notes-list li")).to_have_count(1)
    own = httpx.get(f"{base_url}/api/lessons/{lesson}/observations", headers=bearer(base_url, "head1")).json()
    stamped = [n["t"] for o in own for n in o["notes"] if n["text"].startswith("板书清晰")]
    assert stamped and stamped[0] >= 1.0, f"the note should carry the live lesson time, got {stamped}"
    shot(workspace, "live-workspace")
    workspace.close()

    # the crowd: live HLS with hls.js on a phone
    wait_for(lambda: (get_settings().media_root / "live" / str(lesson) / "hls" / "master.m3u8").is_file(),
             20, "the live HLS master playlist")
    crowd = new_page(phone=True)
    sign_in(crowd, "teacher3", f"/lessons/{lesson}/live/watch")
    crowd.wait_for_function("window.liveHls && document.getElementById('player').currentTime > 1", timeout=30_000)
    hls_in_use = crowd.evaluate("""async () => {
        const { default: Hls } = await import('/static/vendor/hls/hls.mjs');
        const video = document.getElementById('player');
        return { supported: Hls.isSupported(), attached: window.liveHls.media === video,
                 heights: window.liveHls.levels.map(l => l.height), mse: video.src.startsWith('blob:') };
    }""")
    heights = hls_in_use.pop("heights")
    assert hls_in_use == {"supported": True, "attached": True, "mse": True}
    assert len(heights) == 2 and min(heights) <= 360  # source copy + low rendition (audio-only is separate)
    options = crowd.locator("#quality option").all_inner_texts()
    assert len(options) == len(set(options)) and len(options) == 2 + len(set(heights)), options  # auto, sizes, audio
    t0 = crowd.evaluate("document.getElementById('player').currentTime")
    crowd.wait_for_timeout(2000)
    assert crowd.evaluate("document.getElementById('player').currentTime") > t0 + 1
    assert no_horizontal_overflow(crowd)

    # the broadcaster's phone says it is recording, runs the lesson clock and counts the audience:
    # the observer on WebRTC and the crowd on the live HLS
    expect(teacher.locator("#live-rec")).to_be_visible()
    clock = lambda: teacher.locator("#live-clock").inner_text()  # noqa: E731
    first = clock()
    teacher.wait_for_timeout(2100)
    assert clock() != first and clock().count(":") == 1, (first, clock())
    teacher.wait_for_function("Number(document.getElementById('live-audience').textContent) >= 2", timeout=15_000)
    # a tap on 结束直播 asks first; 继续直播 keeps the lesson live
    teacher.click("#live-stop")
    expect(teacher.locator("#live-confirm")).to_be_visible()
    expect(teacher.locator("#live-confirm-text")).to_contain_text("确定结束吗")
    teacher.click("#live-stop-cancel")
    expect(teacher.locator("#live-confirm")).to_be_hidden()
    assert teacher.evaluate("window.livePublisher.live && window.livePublisher.pc.connectionState") == "connected"

    # ffmpeg as an HLS client through the signed URL
    watch = httpx.post(f"{base_url}/api/lessons/{lesson}/live/watch", headers=bearer(base_url, "teacher3")).json()
    assert watch["hls_ready"] and not watch["hls_ended"]
    master = httpx.get(base_url + watch["hls_url"]).text
    assert master.count("#EXT-X-STREAM-INF") == 3 and "/audio/index.m3u8" in master
    audio = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name", "-of", "csv=p=0",
                            base_url + watch["hls_audio_url"]], capture_output=True, text=True, timeout=30)
    assert set(audio.stdout.split()) == {"aac,audio"}, audio.stdout + audio.stderr
    assert ffmpeg_decodes(base_url + watch["hls_url"], 3) >= 30  # the fake camera runs at 20 fps

    shot(teacher, "live-publish-phone")
    shot(observer, "live-observe")
    shot(crowd, "live-watch-phone")

    # the relay drops the phone's session (as when a phone loses its network): the page reconnects by
    # itself with a fresh token, the observer keeps watching, the recording continues with a gap
    old = teacher.evaluate("({location: window.livePublisher.location, token: window.livePublisher.g.token})")
    dropped = httpx.delete(old["location"], headers={"Authorization": f"Bearer {old['token']}"})
    assert dropped.status_code == 200, dropped.text
    reconnected = (f"window.livePublisher.location !== {json.dumps(old['location'])}"
                   " && window.livePublisher.pc.connectionState === 'connected'")
    try:
        teacher.wait_for_function(reconnected, timeout=45_000)
    finally:
        print("publisher states:", teacher.evaluate("window.livePublisher.history"))
    assert teacher.evaluate("window.livePublisher.g.token") != old["token"]
    frames_advance(observer, "#tiles video", minimum=10)

    # the teacher ends the broadcast: recording registered, HLS becomes the replay
    teacher.wait_for_timeout(max(0, 12_000 - (time.monotonic() - started) * 1000))
    teacher.click("#live-stop")
    teacher.click("#live-stop-confirm")
    stopped = time.monotonic()
    expect(teacher.locator("#live-ended")).to_be_visible(timeout=15_000)
    expected = stopped - started

    def registered() -> MediaAsset | None:
        with session_scope(sqlite_db) as session:
            asset = session.scalar(select(MediaAsset).where(MediaAsset.lesson_id == lesson,
                                                            MediaAsset.kind == MediaKind.live_recording))
            if asset is not None:
                session.expunge(asset)
            return asset

    asset = wait_for(registered, 20, "the live recording to be registered")
    with session_scope(sqlite_db) as session:
        assert session.get(Lesson, lesson).status == LessonStatus.processing  # type: ignore[union-attr]
        note = session.scalar(select(Observation).where(Observation.lesson_id == lesson)).notes[0]  # type: ignore[union-attr]
        assert 0 < note.t < expected + 1
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name",
                            "-of", "json", str(get_settings().media_root / asset.path)],
                           capture_output=True, text=True, check=True)
    info = json.loads(probe.stdout)
    duration = float(info["format"]["duration"])
    assert abs(duration - expected) <= 1.5, f"recording lasts {duration:.2f} s, the broadcast {expected:.2f} s"
    assert {s["codec_name"] for s in info["streams"]} == {"h264", "opus"}
    assert len(asset.meta["gaps"]) == 1 and asset.meta["gaps"][0]["seconds"] > 0  # the reconnect

    replay = wait_for(lambda: (w := httpx.post(f"{base_url}/api/lessons/{lesson}/live/watch",
                                               headers=bearer(base_url, "teacher3")).json())["hls_ended"] and w,
                      20, "the live HLS to end (ENDLIST)")
    assert ffmpeg_decodes(base_url + replay["hls_url"], 4) >= 40  # the replay, from its start
    lesson_page = new_page(phone=True)
    sign_in(lesson_page, "teacher3", f"/lessons/{lesson}")
    expect(lesson_page.locator("#watch-live-link")).to_have_attribute("href", f"/lessons/{lesson}/live/watch")
    for page in (teacher, observer, crowd):
        assert page.js_errors == [], page.js_errors


def test_dual_classrooms_see_each_other(live_site_forwarding_only, new_page, sqlite_db):  # noqa: F811
    """Without recording, the relay forwards Chromium's RTP (RTX, padding probes, abs-send-time for
    its bandwidth estimate) packet by packet, never reassembling a frame."""
    _, relay = live_site_forwarding_only
    routed_before = relay.stats()["packets_routed"]
    lesson = lesson_id(sqlite_db, DUAL_TITLE)
    master, rural = new_page(), new_page(phone=True)
    start_publishing(master, "teacher1", lesson)
    start_publishing(rural, "teacher2", lesson)
    for page, other in ((master, "辅助端 青山乡中心小学 · 刘老师"), (rural, "主讲端 城东实验小学 · 陈老师")):
        expect(page.locator("#others figure.tile")).to_have_count(1, timeout=20_000)
        expect(page.locator("#others figcaption")).to_have_text(other)
        expect(page.locator("#others-state")).to_have_attribute("data-state", "connected", timeout=15_000)
    for page in (master, rural):  # two 720p H.264 encoders and decoders on 2 cores: a modest rate
        frames_advance(page, "#others video", minimum=8)
    assert relay.stats()["packets_routed"] - routed_before > 200
    assert no_horizontal_overflow(rural)
    shot(master, "live-classroom-master")
    shot(rural, "live-classroom-rural-phone")
    expect(rural.locator("#live-stop")).to_have_text("离开课堂")  # only the master classroom ends the lesson
    expect(master.locator("#live-stop")).to_have_text("结束直播")
    rural.click("#live-stop")
    rural.click("#live-stop-confirm")
    expect(rural.locator("#live-ended")).to_be_visible()
    master.wait_for_timeout(1000)
    with session_scope(sqlite_db) as session:  # a remote classroom leaving does not end the lesson
        assert session.get(Lesson, lesson).status == LessonStatus.live  # type: ignore[union-attr]
    for page in (master, rural):
        assert page.js_errors == [], page.js_errors
