"""Minors are on camera: a researcher plays a lesson in Chromium and the district admin finds that view in the
audit log by the researcher's name and the lesson, in the district's time."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from api.audit.service import recent_views
from tests.admin.media import make_ready_lesson
from tests.web.conftest import no_horizontal_overflow, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LESSON = 1


def test_a_researchers_view_is_found_by_the_district_admin(new_page, sqlite_db: str) -> None:
    recent_views._keys.clear()
    make_ready_lesson(sqlite_db, LESSON)
    viewer = new_page()
    sign_in(viewer, "researcher1", f"/lessons/{LESSON}/play")
    viewer.wait_for_selector("#video")
    viewer.evaluate("() => { const v = document.getElementById('video'); v.muted = true; return v.play(); }")
    viewer.wait_for_function("document.getElementById('video') && document.getElementById('video').currentTime > 0.5",
                             timeout=30_000)
    assert not viewer.js_errors, viewer.js_errors

    admin = new_page(phone=True)
    sign_in(admin, "admin", "/admin/audit")
    admin.fill("#audit-filters input[name=person]", "王研训")
    admin.fill("#audit-filters input[name=lesson_id]", str(LESSON))
    with admin.expect_navigation():
        admin.click("#audit-filters button[type=submit]")
    rows = admin.locator("#audit-rows li[data-action='media.view']")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("王研训")
    expect(rows).to_contain_text("观看课堂视频")
    expect(rows.locator("a")).to_have_attribute("href", f"/lessons/{LESSON}")
    assert no_horizontal_overflow(admin)
    shot(admin, "admin-audit-375")
    with admin.expect_download() as download:
        admin.click("#export-csv")
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "王研训" in text and "观看课堂视频" in text
