"""A phone broadcaster ends the lesson by mistake and resumes it (issue 12 part 2), in real Chromium
against the real app and relay: the panel offers 继续直播（接着录） with the minutes left, pressing it goes
live again, the recording gets a second part (the first kept), and both the broadcaster's and the
observer's lesson clocks continue after the first part."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import Lesson, LessonStatus, MediaAsset, MediaKind
from models.db import session_scope
from tests.factories import lesson_id
from tests.live.app_relay import BROADCAST_TITLE, live_site_without_hls  # noqa: F401  (fixture)
from tests.web.conftest import broadcast_with_observer, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _seconds(page: Page, selector: str) -> int:
    """A clock's "mm:ss" (or "h:mm:ss") in seconds."""
    parts = [int(p) for p in page.locator(selector).inner_text().strip().split(":")]
    total = 0
    for part in parts:
        total = total * 60 + part
    return total


def _parts(url: str, lesson: int) -> list[tuple[int, str, float]]:
    with session_scope(url) as session:
        return [(a.id, a.path, a.duration_seconds or 0.0) for a in session.scalars(select(MediaAsset).where(
            MediaAsset.lesson_id == lesson, MediaAsset.kind == MediaKind.live_recording).order_by(MediaAsset.id))]


def _end(phone: Page) -> None:
    phone.click("#live-stop")
    phone.click("#live-stop-confirm")
    expect(phone.locator("#live-ended")).to_be_visible(timeout=20_000)


def test_a_lesson_ended_by_mistake_is_resumed_from_the_phone(live_site_without_hls, new_page,  # noqa: F811
                                                           sqlite_db):
    lesson = lesson_id(sqlite_db, BROADCAST_TITLE)
    phone, observer = broadcast_with_observer(new_page, lesson)
    phone.wait_for_timeout(5000)
    _end(phone)
    [first] = _parts(sqlite_db, lesson)
    expect(observer.locator("#lesson-over")).to_be_visible(timeout=15_000)

    resume = phone.locator("#live-resume")
    expect(resume).to_be_visible(timeout=10_000)
    expect(resume).to_have_text(re.compile(r"继续直播（接着录）.*(14|15) 分钟"))
    shot(phone, "live-resume-offered-phone")
    resume.click()
    expect(phone.locator("#live-state")).to_have_attribute("data-state", "connected", timeout=20_000)
    expect(resume).to_be_hidden()
    expect(phone.locator("#live-ended")).to_be_hidden()
    # the broadcaster's clock continues after the first part (the relay's live_seconds, polled)
    phone.wait_for_timeout(2500)
    assert _seconds(phone, "#live-clock") >= int(first[2]), (phone.locator("#live-clock").inner_text(), first)
    # the observer watches again, and its clock (what notes are stamped with) continues too
    expect(observer.locator("#lesson-over")).to_be_hidden(timeout=20_000)
    expect(observer.locator("#tiles video")).to_have_count(1, timeout=15_000)
    observer.wait_for_timeout(1500)
    assert _seconds(observer, "#lesson-clock") >= int(first[2]), observer.locator("#lesson-clock").inner_text()
    phone.wait_for_timeout(3000)
    _end(phone)

    parts = _parts(sqlite_db, lesson)
    assert len(parts) == 2 and parts[0] == first and parts[1][1] != first[1]  # appended, nothing replaced
    with session_scope(sqlite_db) as session:
        row = session.get(Lesson, lesson)
        assert row is not None and row.status == LessonStatus.processing
        assert row.media_duration_seconds is not None and row.media_duration_seconds >= first[2] + 3
    for page in (phone, observer):
        assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]
