"""The quota page's "new rule" form in real Chromium at 375 px: an administrator makes a rule, sees it listed and
everyone's progress measured against it; a refused rule is explained in the page's language; others get no form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import no_horizontal_overflow, shot, sign_in
from tingke.semesters import current_semester

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _fill(page: Page, audience: str, metric: str, target: str, source: str = "") -> None:
    form = page.locator("#rule-new-form")
    form.locator("select[name=audience]").select_option(audience)
    form.locator("select[name=metric]").select_option(metric)
    form.locator("input[name=target]").fill(target)
    form.locator("input[name=source]").fill(source)


def test_admin_creates_a_quota_rule_on_a_phone(new_page) -> None:
    page = new_page(phone=True)
    sign_in(page, "admin", "/quotas")
    zhou = page.locator(".school-quota tr", has_text="周老师")
    expect(zhou.locator("span[data-metric=observations]")).to_have_text("0 / 15")  # the district default
    page.click("#rules-h")
    form = page.locator("#rule-new-form")
    expect(form.locator("select[name=semester]")).to_have_value(current_semester())  # the semester on view

    # a subject group only has open lessons: the measure follows the audience
    form.locator("select[name=audience]").select_option("subject_group")
    expect(form.locator("select[name=metric]")).to_have_value("open_lessons")
    form.locator("select[name=audience]").select_option("teacher")
    expect(form.locator("select[name=metric]")).to_have_value("observations")

    _fill(page, "teacher", "observations", "10", "区教研室本学期通知")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    row = page.locator("#rules tr.just-made")
    expect(row).to_be_visible()
    rule_id = int(row.get_attribute("data-rule-id") or 0)
    expect(row).to_contain_text("科任教师")
    expect(row).to_contain_text("听课节数")
    expect(row).to_contain_text(current_semester())
    expect(row).to_contain_text("区教研室本学期通知")
    expect(row.locator("input[name=target]")).to_have_value("10")
    # the people's progress is now measured against it
    zhou = page.locator(".school-quota tr", has_text="周老师")
    expect(zhou.locator("span[data-metric=observations]")).to_have_text("0 / 10")
    assert no_horizontal_overflow(page)
    shot(page, "quota-rule-created-375")

    # the same rule again: refused, in Chinese, naming the rule to change instead
    _fill(page, "teacher", "observations", "12")
    form.locator("button[type=submit]").click()
    error = page.locator("#rule-new-error")
    expect(error).to_have_text(f"同一范围、对象和指标已有规则（第 {rule_id} 条），请在上表直接修改那一条。")
    # a share above one, and a missing target, are refused too
    _fill(page, "group_leader", "drop_in_share", "1.5")
    form.locator("button[type=submit]").click()
    expect(error).to_have_text("推门课占比是 0 到 1 之间的小数，例如 0.5 表示一半。")
    _fill(page, "group_leader", "drop_in_share", "")
    form.locator("button[type=submit]").click()
    expect(error).to_have_text("“要求”填写不正确，请检查。")
    assert no_horizontal_overflow(page)
    shot(page, "quota-rule-refused-375")
    assert page.locator("#rules tbody tr").count() == 16  # the 15 shipped defaults and the new one

    # in English the refusal is English
    page.click("#lang-switch")
    page.click("#rules-h")
    _fill(page, "teacher", "observations", "12")
    form.locator("button[type=submit]").click()
    expect(error).to_have_text(re.compile(rf"^Rule {rule_id} already sets this"))
    assert page.js_errors == []  # type: ignore[attr-defined]

    head = new_page(phone=True)
    sign_in(head, "head1", "/quotas")
    expect(head.locator("#rules-h")).to_be_visible()
    assert head.locator("#rule-new-form").count() == 0
