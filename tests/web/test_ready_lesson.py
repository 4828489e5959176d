"""A recorded lesson end to end in the browser: uploaded from the lesson page → the page follows the
processing by itself → the library finds a phrase spoken in the lesson → the player opens within 3 s of it, with
quality levels, subtitles, low-bandwidth key frames and a download; an observer plays it and stamps
notes with the video time; the report shows the transcript and the S-T analysis; an outsider gets
neither the page nor the media."""

from __future__ import annotations

import re
import time
from difflib import SequenceMatcher
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from testkit.synth_lesson import SynthLesson, make_lesson
from tests.support.pipeline import bearer, worker
from tests.web.conftest import make_outsider, shot, sign_in
from tingke import jobs_client

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LESSON = 2  # teacher2's 勾股定理 lesson at 青山乡中心小学, community visibility
MEDIA_URL = re.compile(r"/media/.*expires=")
EARLIEST = 12.0  # pick a phrase spoken this late, so "seeks to it" cannot pass by starting at 0
PIPELINE_TIMEOUT = 420  # seconds; about 60 on an idle 2-core machine


def spoken_phrase(synth: SynthLesson, segments: list[dict]) -> tuple[str, float]:
    """A phrase of at least 4 characters that was both spoken (ground truth) and transcribed, with
    the time it was spoken: Whisper on synthetic speech is rough, so use what it actually heard."""
    best: tuple[int, str, float] = (0, "", 0.0)
    for _, sentence in synth.sentences:
        if sentence.start < EARLIEST:
            continue
        for seg in segments:
            if abs(seg["start"] - sentence.start) > 6:
                continue
            match = SequenceMatcher(None, sentence.text, seg["text"]).find_longest_match()
            text = sentence.text[match.a: match.a + match.size].strip("，。？！、 ")
            if len(text) > best[0]:
                best = (len(text), text, sentence.start)
    assert best[0] >= 4, "the transcript holds no usable phrase from after the first seconds"
    return best[1][:8], best[2]


def watch_progress(page: Page, timeout: float) -> list[int]:
    """Percentages the page shows, read every half second until it shows the lesson ready."""
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = page.evaluate("""() => ({status: document.getElementById('lesson-status')?.textContent,
                                              percent: document.getElementById('job-percent')?.textContent})""")
        except PlaywrightError:  # the page is reloading itself
            page.wait_for_load_state()
            continue
        if state["percent"] is not None and (not seen or seen[-1] != int(state["percent"])):
            seen.append(int(state["percent"]))
        if state["status"] == "可回放":
            return seen
        page.wait_for_timeout(500)
    raise AssertionError(f"the lesson page did not reach ready; percentages seen: {seen}")


def video_time(page: Page) -> float:
    return float(page.evaluate("document.getElementById('video').currentTime"))


def test_recorded_lesson_in_the_browser(new_page, server: str, sqlite_db: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINGKE_UPLOAD_CHUNK_MAX_BYTES", str(1024 * 1024))
    jobs_client._client.cache_clear()
    synth = make_lesson(minutes=0.75, size="854x480")
    assert synth.video is not None
    owner = bearer(server, "teacher2")
    with worker(tmp_path / "worker.log") as w:
        # The teacher uploads the recording from the lesson page, in 1 MiB chunks.
        watcher = new_page()
        sign_in(watcher, "teacher2", f"/lessons/{LESSON}")
        watcher.set_input_files("#upload-file", str(synth.video))
        watcher.click("#upload-start")
        expect(watcher.locator("#job-progress")).to_be_visible()
        shot(watcher, "lesson-processing")
        # The test never reloads: the page polls the job, moves its stage and percent, and reloads
        # itself once the lesson is ready.
        seen = watch_progress(watcher, timeout=PIPELINE_TIMEOUT)
        assert len(set(seen)) >= 2 and seen[0] < 100, (seen, w.tail())
        expect(watcher.locator("#lesson-status")).to_have_text("可回放")

    segments = httpx.get(f"{server}/api/lessons/{LESSON}/transcript", headers=owner).json()["segments"]
    phrase, spoken_at = spoken_phrase(synth, segments)

    # The library finds the phrase; the hit's time link opens the player within 3 s of when it was said.
    page = new_page()
    sign_in(page, "researcher1", f"/library?q={quote(phrase)}")
    result = page.locator("#results li.result", has=page.locator(f"a[href='/lessons/{LESSON}/play']"))
    expect(result).to_have_count(1)
    expect(result.locator("mark").first).to_be_visible()
    shot(page, "library-results")
    hit = result.locator("a.time-link").first
    hit.click()
    page.wait_for_url(f"**/lessons/{LESSON}/play?t=*")
    page.wait_for_function("document.getElementById('video').readyState >= 1")
    page.wait_for_function("document.getElementById('video').currentTime > 0")
    assert abs(video_time(page) - spoken_at) <= 3.0, (video_time(page), spoken_at, phrase)
    page.evaluate("document.getElementById('video').muted = true; document.getElementById('video').play()")
    page.wait_for_function(f"document.getElementById('video').currentTime > {video_time(page) + 0.5}")
    options = page.locator("#quality option").all_text_contents()
    assert any("480p" in o for o in options) and any("360p" in o for o in options), options
    assert page.evaluate("document.getElementById('video').textTracks.length") == 1
    expect(page.locator("#download")).to_have_attribute("href", MEDIA_URL)
    expect(page.locator("#transcript .segment").first).to_be_visible()
    shot(page, "player")
    page.check("#low-bandwidth")
    expect(page.locator("#storyboard-img")).to_have_attribute("src", MEDIA_URL)
    expect(page.locator("#video-box")).to_be_hidden()
    shot(page, "player-low-bandwidth")
    assert not page.js_errors, page.js_errors

    # An observer plays the recording; notes take the video's time.
    page.goto(f"/lessons/{LESSON}/observe")
    expect(page.locator("#video-box")).to_be_visible()
    page.click("#start-observing")
    page.evaluate("const v = document.getElementById('video'); v.muted = true; v.currentTime = 20; v.play()")
    page.wait_for_function("document.getElementById('video').currentTime >= 20.5")
    page.evaluate("document.getElementById('video').pause()")
    paused_at = video_time(page)
    page.fill("#note-text", "学生回答后教师追问，候答时间充分")
    page.press("#note-text", "Control+Enter")
    stamp = page.locator("#notes-list .time-link").first
    expect(stamp).to_have_text(f"00:{int(paused_at):02d}")
    page.evaluate("document.getElementById('video').pause(); document.getElementById('video').currentTime = 2")
    stamp.click()
    page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {paused_at}) < 1")
    shot(page, "workspace-video")
    fields = page.locator("#dimensions input[type=number]")
    for i in range(fields.count()):
        fields.nth(i).fill("8")
        fields.nth(i).press("Tab")
    expect(page.locator("#total")).to_have_text("80.0")
    page.once("dialog", lambda d: d.accept())
    page.click("#submit")
    expect(page.locator("#obs-state")).to_contain_text("已提交")

    # The report shows the S-T analysis and the transcript with timestamps.
    page.goto(f"/lessons/{LESSON}/report")
    expect(page.locator("#analytics-card")).to_be_visible()
    expect(page.locator("#rt-ch svg")).to_have_count(1)
    expect(page.locator("#transcript .segment").first).to_be_visible()
    # The note sits beside the sentence it refers to; every timestamp plays the recording from there.
    aside = page.locator("#transcript .note-aside", has_text="候答时间充分")
    expect(aside).to_have_count(1)
    sentence_start = page.evaluate("""() => {
        const asides = [...document.querySelectorAll('#transcript .note-aside')];
        const aside = asides.find(a => a.textContent.includes('候答'));
        let p = aside.previousElementSibling;
        while (p && !p.classList.contains('segment')) p = p.previousElementSibling;
        return p.querySelector('.time-link').textContent; }""")
    minutes, seconds = (int(x) for x in sentence_start.split(":"))
    assert minutes * 60 + seconds <= paused_at + 1, (sentence_start, paused_at)
    expect(page.locator("#video-box")).to_be_visible()
    page.locator("#transcript .segment .time-link").nth(3).click()
    target = page.locator("#transcript .segment .time-link").nth(3).inner_text()
    t_target = int(target.split(":")[0]) * 60 + int(target.split(":")[1])
    page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {t_target}) < 1.5")
    shot(page, "report-analytics")
    assert not page.js_errors, page.js_errors

    # Someone outside the community: neither the pages nor the media listing (so no signed links).
    make_outsider(sqlite_db)
    stranger = new_page()
    sign_in(stranger, "outsider")
    for path in (f"/lessons/{LESSON}/play", f"/lessons/{LESSON}/observe"):
        reply = stranger.goto(path)
        assert reply is not None and reply.status == 404, path
    for api_path in ("media", "transcript", "subtitles.vtt", "analytics"):
        assert stranger.request.get(f"/api/lessons/{LESSON}/{api_path}").status == 404, api_path
    stranger.goto(f"/library?q={quote(phrase)}")
    expect(stranger.locator("#results-count")).to_have_text("没有找到。试试更短的词。")
