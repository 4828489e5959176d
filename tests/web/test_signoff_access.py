"""推门听课: the observed teacher signs off from the sign-off page; someone outside the community
cannot open the lesson (page, workspace, API, media)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.conftest import make_outsider, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_teacher_signs_off_drop_in(new_page, web_demo: dict[str, int]) -> None:
    observer = new_page()
    sign_in(observer, "teacher4", "/lessons/1/observe")  # teacher4 teaches at teacher1's school
    observer.check("#drop-in")
    observer.click("#start-observing")
    observer.fill("#note-text", "推门听课：学生小组讨论热烈")
    observer.click("#add-note")
    expect(observer.locator("#notes-list li")).to_have_count(1)
    fields = observer.locator("#dimensions input[type=number]")
    for i in range(fields.count()):
        fields.nth(i).fill("8")
        fields.nth(i).press("Tab")
    expect(observer.locator("#total")).to_have_text("80.0")
    observer.fill("#summary", "常态课扎实。")
    observer.once("dialog", lambda d: d.accept())
    observer.click("#submit")
    # Wait for the submitted state: the label says 推门听课 already while drafting, and leaving the page
    # before the submit request finishes would cancel it.
    expect(observer.locator("#obs-state")).to_contain_text("已提交 · 推门听课")
    observer.goto("/")
    expect(observer.locator("#count-drop-in")).to_have_text("1")
    expect(observer.locator("#count-signed")).to_have_text("0")

    teacher = new_page()
    sign_in(teacher, "teacher1")
    expect(teacher.locator("#awaiting-link")).to_be_visible()
    teacher.click("#awaiting-link")
    item = teacher.locator("#waiting li", has_text="周老师")
    expect(item).to_contain_text("常态课扎实。")
    shot(teacher, "signoffs")
    item.locator("button.signoff").click()
    expect(item).to_contain_text("已签字")
    teacher.reload()
    expect(teacher.locator("#none-waiting")).to_be_visible()
    expect(teacher.locator("#signed li")).to_have_count(1)

    observer.reload()
    expect(observer.locator("#count-signed")).to_have_text("1")
    assert not observer.js_errors and not teacher.js_errors


def test_outsider_cannot_open_lesson(new_page, web_demo: dict[str, int], sqlite_db: str) -> None:
    make_outsider(sqlite_db)
    lesson_id = 2  # teacher2's community lesson at 青山乡中心小学

    page = new_page()
    sign_in(page, "outsider")
    for path in (f"/lessons/{lesson_id}", f"/lessons/{lesson_id}/observe", f"/lessons/{lesson_id}/report"):
        reply = page.goto(path)
        assert reply is not None and reply.status == 404, path
        expect(page.locator("#page-error")).to_be_visible()
    shot(page, "outsider-denied")
    for api_path in (f"/api/lessons/{lesson_id}", f"/api/lessons/{lesson_id}/report.docx",
                     f"/api/lessons/{lesson_id}/media"):
        assert page.request.get(api_path).status == 404, api_path
    page.goto("/")
    expect(page.locator("#observable")).not_to_contain_text("勾股定理（同课异构）")

    member = new_page()
    sign_in(member, "teacher3")  # a community member may open the same lesson and its media listing
    assert member.goto(f"/lessons/{lesson_id}/observe").status == 200
    assert member.request.get(f"/api/lessons/{lesson_id}/report.docx").status == 200
    assert member.request.get(f"/api/lessons/{lesson_id}/media").status == 200
