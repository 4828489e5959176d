"""The district office's journey in real Chromium at 375×812: a zone, two schools, their pairing, 20 teachers
imported from an .xlsx with one bad row, a researcher assigned, and a password reset that signs the teacher's
existing session out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.admin.helpers import PEOPLE_HEADER, teachers, xlsx
from tests.web.conftest import PASSWORD, no_horizontal_overflow, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _submit(page: Page, form_selector: str) -> None:
    with page.expect_navigation():
        page.locator(form_selector).locator("button[type=submit]").first.click()


def test_district_admin_journey_on_a_phone(new_page, tmp_path) -> None:
    page = new_page(phone=True)
    sign_in(page, "admin", "/")
    expect(page).to_have_url(re.compile(r"/admin$"))
    nav = page.locator("#admin-main-nav")
    expect(nav).to_contain_text("学校与共同体")
    expect(nav).to_contain_text("审计日志")
    expect(page.locator("nav.nav")).not_to_contain_text("待我签字")  # an admin's navigation, not a teacher's

    # a zone and two schools
    page.goto("/admin/schools")
    zone = page.locator("#zone-form")
    zone.locator("input[name=name]").fill("城南片区")
    zone.locator("input[name=code]").fill("chengnan")
    _submit(page, "#zone-form")
    expect(page.locator("#zone-list")).to_contain_text("城南片区")
    for name, role, locale in (("城南中学", "lead", "urban"), ("南山村小学", "supported", "rural")):
        form = page.locator("#school-form")
        form.locator("input[name=name]").fill(name)
        form.locator("select[name=zone_id]").select_option(label="城南片区")
        form.locator("select[name=role]").select_option(role)
        form.locator("select[name=locale]").select_option(locale)
        _submit(page, "#school-form")
        expect(page.locator("#school-table")).to_contain_text(name)
    expect(page.locator("#school-table tr", has_text="城南中学")).to_contain_text("引领校")
    assert no_horizontal_overflow(page)
    shot(page, "admin-schools-375")

    # pair them: a community led by 城南中学, then 南山村小学 added as its member (PATCH)
    page.goto("/admin/communities")
    form = page.locator("#community-form")
    form.locator("input[name=name]").fill("城南教研共同体")
    form.locator("select[name=zone_id]").select_option(label="城南片区")
    form.locator("select[name=lead_school_id]").select_option(label="城南中学")
    _submit(page, "#community-form")
    card = page.locator("section.community", has_text="城南教研共同体")
    expect(card.locator(".lead-school")).to_have_text("城南中学")
    card.locator(".add-member select").select_option(label="南山村小学")
    with page.expect_navigation():
        card.locator(".add-member button[type=submit]").click()
    card = page.locator("section.community", has_text="城南教研共同体")
    expect(card.locator(".members")).to_contain_text("南山村小学")
    assert no_horizontal_overflow(page)
    shot(page, "admin-communities-375")

    # 20 teachers from the office's spreadsheet, one with a bad phone number
    rows = teachers(20, "城南中学", start=301)
    rows[7] = (rows[7][0], rows[7][1], "1380013", *rows[7][3:])
    book = tmp_path / "城南中学教师名册.xlsx"
    book.write_bytes(xlsx(PEOPLE_HEADER, rows, title="城南中学 2026 学年教师名册"))
    page.goto("/admin/import")
    # a county office on a weak link: 100 kbit/s down, 300 ms latency, for the upload, preview and confirmation
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 300,
                                                  "downloadThroughput": 100_000 // 8, "uploadThroughput": 100_000 // 8})
    page.set_input_files("#import-file", str(book))
    page.click("#import-preview")
    expect(page.locator("#import-rows tbody tr")).to_have_count(20)
    expect(page.locator("#import-counts")).to_have_text("新建 19，更新 0，不变 0，错误 1")
    bad = page.locator("#import-rows tr[data-status=error]")
    expect(bad).to_contain_text("手机号格式不正确")
    expect(page.locator("#import-nothing-yet")).to_be_visible()
    assert no_horizontal_overflow(page)
    shot(page, "admin-import-preview-375")
    page.click("#import-confirm")
    expect(page.locator("#import-done")).to_be_visible()
    expect(page.locator("#password-rows tbody tr")).to_have_count(19)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    page.goto("/admin/users?q=T0301")
    expect(page.locator("#user-list li")).to_have_count(1)
    expect(page.locator("#user-list")).to_contain_text("城南中学")

    # researcher1 gets 南山村小学 as a contact school this semester
    page.goto("/admin/assignments")
    form = page.locator("#assignment-form")
    form.locator("select[name=researcher_id]").select_option(label="王研训（数学教研员）（数学）")
    form.locator("select[name=school_id]").select_option(label="南山村小学")
    _submit(page, "#assignment-form")
    expect(page.locator("#assignment-list li", has_text="南山村小学")).to_contain_text("王研训")
    assert not page.js_errors, page.js_errors

    # teacher1 is signed in elsewhere; the admin resets the password; that session is refused at once
    teacher = new_page(phone=True)
    sign_in(teacher, "teacher1", "/lessons")
    assert teacher.request.get("/api/auth/me").status == 200
    page.goto("/admin/users?q=teacher1")
    page.locator("#user-list a", has_text="陈老师").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#reset-form button[type=submit]")
    expect(page.locator("#password-box")).to_be_visible()
    one_time = page.locator("#password-value").inner_text()
    assert len(one_time) == 12
    shot(page, "admin-reset-password-375")
    assert teacher.request.get("/api/auth/me").status == 401
    teacher.goto("/lessons")
    expect(teacher).to_have_url(re.compile("/login"))
    # with the one-time password the teacher must choose a new one before anything else
    teacher.fill("input[name=username]", "teacher1")
    teacher.fill("input[name=password]", one_time)
    teacher.click("button[type=submit]")
    expect(teacher.locator("#password-forced")).to_be_visible()
    teacher.fill("input[name=current_password]", one_time)
    teacher.fill("input[name=new_password]", "chen-new-password")
    teacher.fill("input[name=repeat]", "chen-new-password")
    with teacher.expect_navigation():
        teacher.click("#password-form button[type=submit]")
    expect(teacher).to_have_url(re.compile(r"/lessons$"))
    assert PASSWORD != "chen-new-password"
    assert not teacher.js_errors, teacher.js_errors


def test_rubric_copy_is_edited_with_weights_summing_to_100(new_page) -> None:
    page = new_page(phone=True)
    sign_in(page, "admin", "/admin/rubrics")
    with page.expect_navigation():
        page.locator("#rubric-list li").first.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/rubrics/\d+$"))
    expect(page.locator("#weight-sum")).to_have_text("100")
    weights = page.locator("input[name=weight]")
    weights.nth(0).fill("20")  # goals 10 → 20: the total is 110
    expect(page.locator("#weight-sum")).to_have_text("110")
    page.click("#rubric-form button[type=submit]")
    expect(page.locator("#rubric-error")).to_contain_text("须为 100")
    weights.nth(2).fill("10")  # process 20 → 10
    page.click("#rubric-form button[type=submit]")
    expect(page.locator("#rubric-saved")).to_be_visible()
    with page.expect_navigation():
        page.click("#make-default")
    expect(page.locator(".badge.ready")).to_have_text("默认")
    page.reload()
    expect(page.locator("input[name=weight]").nth(0)).to_have_value("20")
    assert no_horizontal_overflow(page)
    assert not page.js_errors, page.js_errors
