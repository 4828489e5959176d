"""Community workflow pages (issue 6) in real Chromium on a phone-sized screen: the quota page fits 375 px, an
activity is recorded with a file, and a spot-check is drawn and verified from the page.

It lives here, not in tests/workflows/, to share this folder's session-wide browser: a second sync Playwright
started while the first one runs fails ("Sync API inside the asyncio loop")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.conftest import no_horizontal_overflow, shot, sign_in

pytestmark = pytest.mark.slow


def test_workflow_pages_on_a_phone(new_page, tmp_path: Path):
    page = new_page(phone=True)
    sign_in(page, "head1", "/quotas")
    page.wait_for_selector("#my-quota")
    assert page.locator("#my-quota [data-metric=observations] span[data-metric]").inner_text() == "1 / 30"
    assert page.locator(".school-quota").count() == 1
    assert no_horizontal_overflow(page)
    shot(page, "workflows-quotas-375")
    # the school admin makes 周老师 a group leader: the target follows the post
    row = page.locator(".school-quota tr", has_text="周老师")
    assert row.locator("span[data-metric=observations]").inner_text() == "0 / 15"
    with page.expect_navigation():
        row.locator("select.position-select").select_option("group_leader")
    row = page.locator(".school-quota tr", has_text="周老师")
    assert row.locator("span[data-metric=observations]").inner_text() == "0 / 25"

    # record a collective preparation with a material file, from the phone
    page.goto("/activities")
    page.locator("#record-activity summary").click()
    page.select_option("#activity-form select[name=kind]", "prep")
    page.fill("#activity-form input[name=title]", "语文集体备课：识字教学")
    material = tmp_path / "教案.txt"
    material.write_text("识字教学教案\n", encoding="utf-8")
    page.set_input_files("#activity-form input[name=file]", str(material))
    page.click("#activity-form button[type=submit]")
    page.wait_for_url("**/activities/*")
    assert page.locator("h1").inner_text() == "语文集体备课：识字教学"
    assert page.locator("#materials a", has_text="教案.txt").count() == 1
    assert no_horizontal_overflow(page)
    shot(page, "workflows-activity-375")
    assert page.js_errors == []  # type: ignore[attr-defined]

    admin = new_page(phone=True)
    sign_in(admin, "admin", "/spotchecks")
    admin.click("#draw-form button[type=submit]")
    admin.wait_for_selector("#draws li[data-draw-id]")
    admin.click("#draws button.verify")
    admin.wait_for_selector("#draws .ok:has-text('复核一致')")
    assert no_horizontal_overflow(admin)
    shot(admin, "workflows-spotcheck-375")
    assert admin.js_errors == []  # type: ignore[attr-defined]
