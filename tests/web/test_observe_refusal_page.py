"""A researcher who may watch a lesson but not score it is told why, on a phone, in both languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.live.app_relay import BROADCAST_TITLE, lesson_id
from tests.web.conftest import no_horizontal_overflow, sign_in
from tingke.semesters import current_semester

pytestmark = [pytest.mark.browser]


def test_a_researcher_who_may_watch_but_not_score_is_told_why(new_page, sqlite_db, web_demo) -> None:
    """Regression (issue 12 part 4): researcher1 (蹲点 at 青山乡中心小学) saw the public lesson of 城东实验小学
    without an observe button, or an error page saying only who may observe, never why not they."""
    lesson = lesson_id(sqlite_db, BROADCAST_TITLE)
    semester = current_semester()
    why = f"你不是本课所在学校（城东实验小学）本学期（{semester}）的蹲点教研员：可以观看，但不能为它写听课记录和评分。"
    page = new_page(phone=True)
    sign_in(page, "researcher1", f"/lessons/{lesson}")
    expect(page.locator("#observe-link")).to_have_count(0)
    expect(page.locator("#observe-refused")).to_have_text(why)
    assert no_horizontal_overflow(page)

    page.goto(f"/lessons/{lesson}/observe")  # the workspace, by its address
    expect(page.locator("#page-error")).to_have_text(why)
    page.goto(f"/lessons/{lesson}/live/observe")  # the live view: may watch, no notes
    expect(page.locator("#observe-refused")).to_have_text(why)

    page.click("#lang-switch")  # English
    expect(page.locator("#observe-refused")).to_have_text(
        f"You are not the assigned researcher of this lesson's school (城东实验小学) this semester ({semester}): "
        "you may watch it, but not write an observation or score it.")

    # the teacher of the lesson is not lectured about it: no button, no reason
    own = new_page(phone=True)
    sign_in(own, "teacher1", f"/lessons/{lesson}")
    expect(own.locator("#observe-refused")).to_have_count(0)
    assert page.js_errors == [] and own.js_errors == []
