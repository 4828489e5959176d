"""Browser tests: the real app served by uvicorn on a free loopback port, driven by Debian's Chromium."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from models.db import session_scope

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE: ViewportSize = {"width": 375, "height": 812}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PASSWORD = "tingke-demo"
# Generous waits: several engineers' suites share this 2-core machine, so pages are sometimes slow.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def web_demo(sqlite_db: str) -> dict[str, int]:
    """The demo community in this test's SQLite database: user name → id."""
    from tingke.entry.demo import seed_demo

    with session_scope(sqlite_db) as session:
        return {name: user.id for name, user in seed_demo(session).items()}


@pytest.fixture
def server(web_demo: dict[str, int]) -> Iterator[str]:
    """The whole app on a free port; yields its base URL."""
    from api.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def new_page(browser: Browser, server: str) -> Iterator[object]:
    """``new_page(phone=False)`` → a fresh browser context (its own cookies) with base_url set."""
    contexts = []

    def make(phone: bool = False) -> Page:
        context = browser.new_context(base_url=server, viewport=PHONE if phone else DESKTOP,
                                      accept_downloads=True, locale="zh-CN")
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors  # type: ignore[attr-defined]
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Page, username: str, next_path: str = "/") -> None:
    page.goto(f"/login?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def no_horizontal_overflow(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def make_outsider(db_url: str) -> None:
    """User "outsider": a teacher at a school that belongs to no community of the demo."""
    from api.auth.passwords import hash_password
    from models import Locale, School, SchoolRole, User, UserRole

    with session_scope(db_url) as session:
        school = School(name="远方县第一小学", role=SchoolRole.supported, locale=Locale.rural)
        session.add(school)
        session.flush()
        session.add(User(username="outsider", display_name="外校老师", password_hash=hash_password(PASSWORD),
                         role=UserRole.teacher, school_id=school.id, subject="数学"))


def broadcast_with_observer(new_page: Callable[..., Page], lesson: int) -> tuple[Page, Page]:
    """teacher1 on air from a phone and teacher4 watching its tile: the start of every live-page journey."""
    phone = new_page(phone=True)
    sign_in(phone, "teacher1", f"/lessons/{lesson}/live")
    phone.click("#live-start")
    expect(phone.locator("#live-state")).to_have_attribute("data-state", "connected", timeout=15_000)
    observer = new_page()
    sign_in(observer, "teacher4", f"/lessons/{lesson}/live/observe")
    expect(observer.locator("#tiles video")).to_have_count(1, timeout=15_000)
    return phone, observer
