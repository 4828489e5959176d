"""Times are the district's (TINGKE_TIMEZONE, Asia/Shanghai), whatever zone the browser is in: a lesson
typed for 09:00 on a phone in New York is 09:00 on the pages, in the list and in the .docx, and 01:00 UTC
in the API (stored unambiguously)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from docx import Document
from playwright.sync_api import Browser, Page, expect

from tests.live.app_relay import bearer
from tests.web.conftest import PHONE, sign_in
from tingke.timezone import today

pytestmark = [pytest.mark.browser]


@pytest.fixture
def phone_in_new_york(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=server, viewport=PHONE, is_mobile=True, has_touch=True,
                                  timezone_id="America/New_York", locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def test_a_lesson_typed_for_0900_is_0900_everywhere(phone_in_new_york: Page, server: str) -> None:
    """Regression (issue 12 part 4): a lesson entered on the phone for 09:00 was shown at 01:00 (and
    the .docx said 01:00) — the form sent the browser's zone, the database dropped the offset."""
    page = phone_in_new_york
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "America/New_York"
    day = (today() + timedelta(days=3)).isoformat()
    sign_in(page, "teacher1", "/lessons/new")
    expect(page.locator("label:has(input[name=scheduled_at]) .meta")).to_have_text("（北京时间）")
    page.fill("input[name=title]", "时区测试：分数的意义")
    page.fill("input[name=subject]", "数学")
    page.fill("input[name=grade]", "五年级")
    page.fill("input[name=scheduled_at]", f"{day}T09:00")
    page.click("#lesson-form button[type=submit]")
    page.wait_for_url(re.compile(r"/lessons/\d+$"))
    lesson = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#lesson-info")).to_contain_text(f"{day} 09:00")

    # stored as one instant: 09:00 in Shanghai is 01:00 UTC
    api = httpx.get(f"{server}/api/lessons/{lesson}", headers=bearer(server, "teacher1")).json()
    assert api["scheduled_at"] in (f"{day}T01:00:00Z", f"{day}T01:00:00+00:00"), api["scheduled_at"]

    # the list, and the .docx 听课记录
    page.goto("/lessons")
    item = page.locator("li", has_text="时区测试：分数的意义").first
    expect(item).to_contain_text(f"{day} 09:00")
    page.goto(f"/lessons/{lesson}/report")
    with page.expect_download() as download:
        page.click("#download-docx")
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as handle:
        document = Document(io.BytesIO(handle.read()))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    text = "\n".join([p.text for p in document.paragraphs] + cells)
    assert f"{day} 09:00" in text and f"{day} 01:00" not in text, text[:500]
    assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]


def test_a_lesson_without_an_offset_in_the_api_is_district_time(server: str) -> None:
    headers = bearer(server, "teacher1")
    day = (today() + timedelta(days=4)).isoformat()
    base = {"title": "时区", "subject": "数学", "grade": "五年级"}
    naive = httpx.post(f"{server}/api/lessons", headers=headers, json={**base, "scheduled_at": f"{day}T10:00"})
    assert naive.status_code == 201, naive.text
    aware = httpx.post(f"{server}/api/lessons", headers=headers,
                       json={**base, "scheduled_at": f"{day}T02:00:00Z"})
    assert aware.status_code == 201, aware.text
    assert naive.json()["scheduled_at"] == aware.json()["scheduled_at"]  # the same instant
