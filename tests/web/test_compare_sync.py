"""同课异构 side by side: the comparison page's two players follow each other in real Chromium.

What compare.js promises, with "同步播放" on: play on one player plays the other, pause pauses it, a
seek on either moves the other to the same time; "从同一时间一起播放" starts both from the first player's time.
With the box unticked each player is on its own. The recordings are real HLS ladders made by the
worker's own transcoder from generated video, played by hls.js through the app's signed /media/ URLs.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import Lesson, LessonGroup, LessonStatus, MediaAsset, MediaKind
from models.db import session_scope
from tests.web.conftest import shot, sign_in
from tingke.media_probe import probe
from tingke.settings import get_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SECONDS = 30  # long enough that a seek to 20 s lands in a later HLS segment than the start
TOLERANCE = 0.6  # compare.js moves the other player when the two differ by more than 0.5 s
BOTH = "[...document.querySelectorAll('.compare-col video')]"


def _ladder(folder: Path, colour: str, tone: int) -> dict[str, Any]:
    """A generated lesson recording → the worker's HLS ladder (hls/master.m3u8 + renditions)."""
    from workers.media.transcode import encode_ladder, ladder_json

    folder.mkdir(parents=True)
    source = folder / "lesson.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    f"testsrc2=size=320x240:rate=15:duration={SECONDS},drawbox=c={colour}:t=20",
                    "-f", "lavfi", "-i", f"sine=frequency={tone}:duration={SECONDS}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "30",
                    "-c:a", "aac", "-shortest", str(source)], check=True)
    info = probe(source)
    ladder = encode_ladder(source, info, folder / "hls")
    return {"hls": folder / "hls", "ladder": ladder_json(ladder), "duration": info.duration}


@pytest.fixture(scope="session")
def two_recordings(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Made once per session: a few seconds of ffmpeg on a 2-core machine."""
    root = tmp_path_factory.mktemp("compare-media")
    return [_ladder(root / "a", "red", 440), _ladder(root / "b", "blue", 660)]


@pytest.fixture
def ready_group(sqlite_db: str, web_demo: dict[str, int], two_recordings: list[dict[str, Any]]) -> int:
    """The demo's 勾股定理 group with both lessons processed (status ready, an HLS asset each); its id."""
    media_root = get_settings().media_root
    with session_scope(sqlite_db) as session:
        group = session.scalars(select(LessonGroup).where(LessonGroup.topic == "勾股定理")).one()
        lessons = session.scalars(select(Lesson).where(Lesson.group_id == group.id).order_by(Lesson.id)).all()
        assert len(lessons) == 2
        for lesson, rec in zip(lessons, two_recordings, strict=True):
            target = media_root / "lessons" / str(lesson.id) / "hls"
            shutil.copytree(rec["hls"], target)
            session.add(MediaAsset(lesson_id=lesson.id, kind=MediaKind.hls,
                                   path=str((target / "master.m3u8").relative_to(media_root)),
                                   content_type="application/vnd.apple.mpegurl", duration_seconds=rec["duration"],
                                   bytes=sum(p.stat().st_size for p in target.rglob("*") if p.is_file()),
                                   meta={"ladder": rec["ladder"]}))
            lesson.status = LessonStatus.ready
            lesson.media_duration_seconds = rec["duration"]
        return group.id


def times(page: Page) -> list[float]:
    return [float(t) for t in page.evaluate(f"{BOTH}.map(v => v.currentTime)")]


def paused(page: Page) -> list[bool]:
    return [bool(p) for p in page.evaluate(f"{BOTH}.map(v => v.paused)")]


def wait_both(page: Page, condition: str) -> None:
    """Wait until ``condition`` (JS on ``v``) holds for both players."""
    page.wait_for_function(f"{BOTH}.length === 2 && {BOTH}.every(v => {condition})")


def seek(page: Page, index: int, seconds: float) -> None:
    """What dragging the timeline does: set currentTime, wait for that player's own "seeked"."""
    page.evaluate(f"""() => new Promise(done => {{
        const v = {BOTH}[{index}];
        v.addEventListener('seeked', done, {{ once: true }});
        v.currentTime = {seconds};
    }})""")


def drag(page: Page, index: int, stops: list[float]) -> None:
    """What dragging the timeline does: a quick run of seeks, each started once the last one landed
    (a person's drag moves the thumb every frame, far faster than a Python round trip per seek)."""
    page.evaluate(f"""async (stops) => {{
        const v = {BOTH}[{index}];
        for (const t of stops) await new Promise(done => {{
            v.addEventListener('seeked', done, {{ once: true }});
            v.currentTime = t;
        }});
    }}""", stops)


def test_players_follow_each_other(new_page, server: str, ready_group: int) -> None:
    page = new_page()
    sign_in(page, "researcher1", f"/groups/{ready_group}")
    videos = page.locator(".compare-col video")
    expect(videos).to_have_count(2)
    expect(page.locator(".compare-col .video-box").nth(0)).to_be_visible()
    expect(page.locator(".compare-col .video-box").nth(1)).to_be_visible()
    expect(page.locator("#sync")).to_be_checked()
    expect(page.locator("#play-both")).to_be_enabled()
    wait_both(page, f"v.readyState >= 1 && Math.abs(v.duration - {SECONDS}) < 1")
    assert paused(page) == [True, True]

    # Play on the first player (a real click on it, as a person would): the second plays too.
    videos.nth(0).click()
    wait_both(page, "!v.paused")
    start = times(page)
    wait_both(page, "v.currentTime > 1.0")  # both really advance, not merely "not paused"
    assert all(b > a for a, b in zip(start, times(page), strict=True))
    shot(page, "compare-synced-playing")

    # Pause on the second player: the first pauses too.
    videos.nth(1).click()
    wait_both(page, "v.paused")
    page.wait_for_timeout(300)
    assert paused(page) == [True, True]

    # A seek on either player moves the other to the same time, forwards and back.
    seek(page, 0, 20)
    page.wait_for_function(f"Math.abs({BOTH}[1].currentTime - 20) < {TOLERANCE}")
    seek(page, 1, 7)
    page.wait_for_function(f"Math.abs({BOTH}[0].currentTime - 7) < {TOLERANCE}")
    page.wait_for_timeout(500)  # let any echo of the mirrored seeks settle
    a, b = times(page)
    assert abs(a - 7) < TOLERANCE and abs(b - 7) < TOLERANCE, (a, b)
    assert paused(page) == [True, True]

    # Dragging the timeline is a quick run of seeks: the other player ends where the drag ends.
    drag(page, 0, [24.0, 13.0])  # out to 24 s and back: two seeks some 20 ms apart
    page.wait_for_timeout(500)
    a, b = times(page)
    assert abs(a - 13) < TOLERANCE and abs(b - 13) < TOLERANCE, f"after a drag to 13 s: {a} vs {b}"

    # Unticked: each player on its own.
    page.uncheck("#sync")
    seek(page, 0, 4)
    seek(page, 1, 22)
    page.wait_for_timeout(500)
    a, b = times(page)
    assert abs(a - 4) < TOLERANCE and abs(b - 22) < TOLERANCE, (a, b)
    videos.nth(1).click()
    page.wait_for_function(f"!{BOTH}[1].paused && {BOTH}[1].currentTime > 22.3")
    assert paused(page)[0], "with sync off, playing one player started the other"
    videos.nth(1).click()
    page.wait_for_function(f"{BOTH}[1].paused")

    # "从同一时间一起播放" lines both up at the first player's time and plays them together.
    page.click("#play-both")
    wait_both(page, "!v.paused && v.currentTime > 4.5")
    a, b = times(page)
    assert b < 10, f"the second player did not start from the first one's time: {a} vs {b}"
    assert abs(a - b) < 1.0, (a, b)
    assert not page.js_errors, page.js_errors
