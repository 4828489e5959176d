"""双师课堂: the master classroom ends the lesson by mistake and resumes it (issue 12 part 2), in real
Chromium (two phone contexts, fake camera and microphone) against the real app and a recording relay. The
rural classroom is told the lesson is over, then that the master resumed it; one tap on 重新加入 publishes
it again and each classroom sees the other's picture again. Each classroom's recording has two parts, the
first kept as it was."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import MediaAsset, MediaKind
from models.db import session_scope
from tests.factories import lesson_id
from tests.live.app_relay import DUAL_TITLE, live_site_without_hls  # noqa: F401  (fixture)
from tests.web.conftest import shot
from tests.web.test_dual_classroom import FRAMES_JS, MASTER, RURAL, every_tile_plays, frames
from tests.web.test_live_pages import start_publishing
from tingke.settings import get_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _parts(url: str, lesson: int) -> dict[str, list[tuple[int, str]]]:
    """Each classroom's recorded parts (asset id, path), in recording order."""
    found: dict[str, list[tuple[int, str]]] = {}
    with session_scope(url) as session:
        for asset in session.scalars(select(MediaAsset).where(
                MediaAsset.lesson_id == lesson, MediaAsset.kind == MediaKind.live_recording).order_by(MediaAsset.id)):
            found.setdefault(asset.label, []).append((asset.id, asset.path))
    return found


def _digest(path: str) -> dict[str, str]:
    """The files of one recorded part (playlist and segments) by content."""
    folder = get_settings().media_root / Path(path).parent
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _end(master: Page) -> None:
    master.click("#live-stop")
    master.click("#live-stop-confirm")
    expect(master.locator("#live-ended")).to_be_visible(timeout=20_000)


def plays_again(page: Page, label: str, before: int) -> None:
    """The tile of ``label`` presents new frames (at least 10 more than ``before``) of a decoded picture."""
    condition = f"""() => {{
        const seen = ({FRAMES_JS})('#others figure.tile')[{json.dumps(label)}];
        const video = [...document.querySelectorAll('#others figure.tile')]
            .find(f => f.dataset.label === {json.dumps(label)})?.querySelector('video');
        return seen && seen.shown > {before + 10} && video.videoWidth > 0 && video.videoHeight > 0;
    }}"""
    try:
        page.wait_for_function(condition, timeout=25_000)
    except Exception:
        raise AssertionError(f"{label} does not play again: {frames(page, '#others')}") from None


def test_the_rural_classroom_rejoins_when_the_master_resumes(live_site_without_hls, new_page,  # noqa: F811
                                                             sqlite_db):
    """Regression: after the master ended the lesson the rural classroom stayed 'over' for good, even when
    the master resumed it within the resume window."""
    lesson = lesson_id(sqlite_db, DUAL_TITLE)
    master = new_page(phone=True)
    start_publishing(master, "teacher1", lesson)
    rural = new_page(phone=True)
    start_publishing(rural, "teacher2", lesson)
    every_tile_plays(master, "#others", [RURAL])
    every_tile_plays(rural, "#others", [MASTER])
    master.wait_for_timeout(3000)

    _end(master)
    first = _parts(sqlite_db, lesson)
    assert sorted(first) == sorted([MASTER, RURAL]) and all(len(p) == 1 for p in first.values()), first
    kept = {label: _digest(parts[0][1]) for label, parts in first.items()}
    expect(rural.locator("#lesson-over-text")).to_have_text("主讲端已结束本课，录像稍后可在课程页观看。",
                                                            timeout=15_000)
    expect(rural.locator("#lesson-again")).to_be_hidden()

    # the master resumes; the rural classroom is told (within its 10-s check) and is never offered to resume
    resume = master.locator("#live-resume")
    expect(resume).to_be_visible(timeout=15_000)
    resume.click()
    expect(master.locator("#live-state")).to_have_attribute("data-state", "connected", timeout=20_000)
    again = rural.locator("#lesson-again")
    expect(again).to_be_visible(timeout=25_000)
    expect(rural.locator("#lesson-again-text")).to_have_text("主讲端已继续直播，本课接着录。点“重新加入”回到课堂。")
    expect(rural.locator("#lesson-over")).to_be_hidden()
    expect(rural.locator("#live-resume")).to_be_hidden()
    shot(rural, "dual-rejoin-offered-phone")

    # one tap: the rural classroom publishes again and each classroom sees the other's picture
    before = {"master": frames(master, "#others").get(RURAL, {}).get("shown", 0),
              "rural": frames(rural, "#others").get(MASTER, {}).get("shown", 0)}
    rural.click("#live-rejoin")
    expect(rural.locator("#live-state")).to_have_attribute("data-state", "connected", timeout=20_000)
    expect(again).to_be_hidden()
    expect(rural.locator("#live-controls")).to_be_visible()
    plays_again(rural, MASTER, before["rural"])
    plays_again(master, RURAL, before["master"])
    expect(rural.locator("#others-state")).to_have_attribute("data-state", "connected")
    expect(master.locator("#others-state")).to_have_attribute("data-state", "connected")
    shot(rural, "dual-rejoined-rural-phone")
    master.wait_for_timeout(3000)

    _end(master)
    expect(rural.locator("#lesson-over")).to_be_visible(timeout=15_000)
    parts = _parts(sqlite_db, lesson)
    for label in (MASTER, RURAL):  # appended: the first part is the same row and the same files
        assert len(parts[label]) == 2 and parts[label][0] == first[label][0], parts
        assert parts[label][1][1] != first[label][0][1]
        assert _digest(parts[label][0][1]) == kept[label]
    for page in (master, rural):
        assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]
