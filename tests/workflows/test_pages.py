"""The workflow pages render for every role, in Chinese first, and show computed numbers."""

from __future__ import annotations

import pytest

from tests.workflows.helpers import new_lesson, observe

PAGES = ["/quotas", "/activities", "/spotchecks", "/qualifications", "/work-reports"]



@pytest.mark.parametrize("username", ["admin", "researcher1", "head1", "teacher2"])
def test_every_page_renders_for_every_role(client, login, demo, username):
    from api.auth import tokens
    client.cookies.set(tokens.SESSION_COOKIE, login(username)["Authorization"].removeprefix("Bearer "))
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:2000])
        assert 'id="nav-work"' in page.text and "教研工作" in page.text
    quotas = client.get("/quotas").text
    assert "听课节数" in quotas and "配额规则" in quotas
    activities = client.get("/activities").text
    assert "八年级数学集体备课：勾股定理" in activities or username == "head1"  # the demo's prep at rural1
    assert ('id="event-form"' in activities) == (username != "teacher2")  # organisers only
    spot = client.get("/spotchecks").text
    assert ('id="draw-form"' in spot) == (username in ("admin", "researcher1")) and "35岁以下" in spot


def test_pages_show_computed_progress_and_records(client, login, demo):
    from api.auth import tokens
    head, t1 = login("head1"), login("teacher1")
    observe(client, head, new_lesson(client, t1, "页面测试课"))
    client.cookies.set(tokens.SESSION_COOKIE, head["Authorization"].removeprefix("Bearer "))
    page = client.get("/quotas").text
    assert 'data-metric="observations">2 / 30<' in page  # the demo's observation and this one
    assert "城东实验小学" in page and "quota-sheet.xlsx" in page
    assert page.count('class="position-select"') == 3  # head1 sets the posts of their school's people
    qual = client.get("/qualifications").text
    assert "33.3%" in qual and "周老师" in qual
    activity_id = client.get("/api/activities", headers=head).json()["items"][0]["id"]
    assert client.get(f"/activities/{activity_id}").status_code == 200
    assert client.get("/activities/999999").status_code == 404
    assert client.get("/quotas", params={"semester": "nonsense"}).status_code == 200  # falls back to now
    client.cookies.clear()
    assert client.get("/quotas", follow_redirects=False).status_code == 303
