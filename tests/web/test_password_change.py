"""A teacher changes the password on a phone; the session on another browser is refused at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from models.db import session_scope
from tests.factories import PASSWORD, build_world
from tests.web.conftest import no_horizontal_overflow, shot

pytestmark = [pytest.mark.browser]

NEW = "春晓-2026-new"


def _sign_in(page: Page, password: str = PASSWORD) -> None:
    page.goto("/login?next=/")
    page.fill("input[name=username]", "w-teacher")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_change_password_on_a_phone_signs_out_the_other_browser(new_page, sqlite_db: str) -> None:
    with session_scope(sqlite_db) as session:
        build_world(session)
    phone, laptop = new_page(phone=True), new_page()
    _sign_in(phone)
    _sign_in(laptop)
    assert laptop.request.get("/api/auth/me").status == 200

    phone.click("#account-link")
    expect(phone.locator("h1")).to_have_text("修改密码")
    assert no_horizontal_overflow(phone)
    phone.fill("input[name=current_password]", "not-my-password-1")
    phone.fill("input[name=new_password]", NEW)
    phone.fill("input[name=repeat]", NEW)
    phone.click("#password-submit")
    expect(phone.locator("#password-error")).to_have_text("当前密码不正确。")
    assert laptop.request.get("/api/auth/me").status == 200  # a refused change ends nothing

    phone.fill("input[name=current_password]", PASSWORD)
    phone.fill("input[name=new_password]", NEW)
    phone.fill("input[name=repeat]", NEW)
    phone.click("#password-submit")
    expect(phone.locator("#password-saved")).to_be_visible()
    shot(phone, "password-changed-phone")

    assert laptop.request.get("/api/auth/me").status == 401
    laptop.goto("/lessons")
    expect(laptop).to_have_url(re.compile(r"/login\?next="))
    phone.goto("/lessons")  # this phone keeps its (new) session
    expect(phone.locator("h1")).to_be_visible()
    assert "/login" not in phone.url
    _sign_in(laptop, NEW)
    assert not phone.js_errors and not laptop.js_errors
