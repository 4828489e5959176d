"""/docs works without the internet: Chromium, with every request off this machine refused, shows Swagger UI with
the API's operations (its scripts come from our own npm install, not from a CDN)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Route, expect

pytestmark = [pytest.mark.browser]


def test_docs_render_offline(new_page, server: str) -> None:
    page = new_page()
    outside: list[str] = []

    def only_loopback(route: Route) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route(re.compile(".*"), only_loopback)
    page.goto("/docs")
    expect(page.locator(".swagger-ui .title")).to_contain_text("tingke")
    expect(page.locator(".opblock-tag", has_text="auth")).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    assert not outside, outside
    assert not page.js_errors, page.js_errors
