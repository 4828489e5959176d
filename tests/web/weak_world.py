"""One processed lesson and the app serving it, shared by the weak-link browser tests of a module.

Processing the lesson (ladder, storyboard, subtitles, downloads, analysis, index) is the slow part, so it is
done once per module into its own data folder; each test opens its own browser contexts. The transcript is a
known script (tests/support/ready_lesson.py): the word 勾股定理 is said at 00:00, 00:22, 00:43 and 01:00 of a
lesson whose title and topic also hold it, the case of the field report.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page

from models.db import session_scope
from testkit.synth_lesson import make_lesson
from tests.support import databases
from tests.support.ready_lesson import Line, process_with_transcript
from tests.web.conftest import PASSWORD, PHONE
from tingke.settings import reset_settings

LESSON = 2  # teacher2's 勾股定理 lesson at 青山乡中心小学; teacher1 (城东实验小学, same community) may watch it
SAID_AT = (0.0, 22.0, 43.0, 60.0)
WORD = "勾股定理"
WEAK = (100, 300)  # kbit/s down, ms latency: the rural link of the field report
BUDGET_BYTES = 150 * 1024


def script_lines(duration: float) -> list[Line]:
    """A line every 5.5 s, moved aside for the lines at SAID_AT, which say WORD (the others do not)."""
    grid = {round(i * 5.5, 2) for i in range(int(duration / 5.5) + 1)}
    times = sorted(t for t in grid | set(SAID_AT) if t in SAID_AT or all(abs(t - s) >= 5 for s in SAID_AT))
    said, other = f"我们来看{WORD}的第{{}}个证明。", "请同学们看黑板上的第{}个图形。"
    return [(t, t + 4.5, (said if t in SAID_AT else other).format(i + 1)) for i, t in enumerate(times)
            if t + 4.5 < duration]


@dataclass
class World:
    base: str
    db_url: str
    data: Path
    lines: list[Line]
    duration: float


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def serve_world(folder: Path) -> Iterator[World]:
    """The demo community with LESSON processed, served by the app on a free port (a generator fixture body)."""
    saved = {k: os.environ.get(k) for k in ("TINGKE_DATA_DIR", "TINGKE_SECRET_KEY", "TINGKE_DATABASE_URL",
                                             "TINGKE_RELAY_PORT", "TINGKE_MEDIA_DIR")}
    data = folder / "data"
    data.mkdir()
    os.environ.update(TINGKE_DATA_DIR=str(data), TINGKE_SECRET_KEY="test-secret-key-weak-link-0123456789",
                      TINGKE_RELAY_PORT="9")
    os.environ.pop("TINGKE_MEDIA_DIR", None)
    reset_settings()
    url = databases.copy_sqlite(databases.create_sqlite_template(folder), data)
    os.environ["TINGKE_DATABASE_URL"] = url
    reset_settings()
    from api.app import create_app
    from tingke.entry.demo import seed_demo

    with session_scope(url) as session:
        seed_demo(session)
    synth = make_lesson()  # ~2 minutes, 640x360, with speech
    assert synth.video is not None
    lines = script_lines(synth.duration)
    process_with_transcript(url, LESSON, synth.video, lines)
    sock = _free_socket()
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    try:
        yield World(f"http://127.0.0.1:{sock.getsockname()[1]}", url, data, lines, synth.duration)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings()


class Phone:
    """A phone's browser context (375×812, touch), its page on a throttled link, its transfers counted."""

    def __init__(self, browser: Browser, base: str, link: tuple[int, int] | None = WEAK) -> None:
        self.context: BrowserContext = browser.new_context(base_url=base, viewport=PHONE, is_mobile=True,
                                                           has_touch=True, locale="zh-CN", accept_downloads=True)
        self.context.set_default_timeout(60_000)
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.cdp: CDPSession = self.context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        self.urls: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.cached: set[str] = set()
        self.cdp.on("Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"]))
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished",
                    lambda e: self.sizes.__setitem__(e["requestId"], int(e.get("encodedDataLength", 0))))
        if link:
            self.throttle(*link)

    def _response(self, event: dict) -> None:  # type: ignore[type-arg]
        response = event["response"]
        self.headers[event["requestId"]] = {k.lower(): v for k, v in response.get("headers", {}).items()}
        if response.get("fromDiskCache") or response.get("fromMemoryCache"):
            self.cached.add(event["requestId"])

    def throttle(self, kbps: int, latency_ms: int) -> None:
        self.cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": latency_ms, "downloadThroughput": kbps * 1000 / 8,
            "uploadThroughput": kbps * 1000 / 8})

    def reset(self) -> None:
        self.urls.clear()
        self.sizes.clear()
        self.headers.clear()
        self.cached.clear()

    def transfers(self) -> list[tuple[str, int, dict[str, str], bool]]:
        """(url, bytes on the wire, response headers, served from the browser cache) since the last reset."""
        return [(self.urls.get(rid, ""), size, self.headers.get(rid, {}), rid in self.cached)
                for rid, size in self.sizes.items()]

    def sign_in(self, username: str = "teacher1") -> None:
        self.page.goto("/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(lambda url: "/login" not in url)

    def close(self) -> None:
        self.context.close()


def is_media(url: str) -> bool:
    """The stream itself (segments, downloads), not what the page is made of."""
    return url.split("?", 1)[0].endswith((".ts", ".m4s", ".mp4", ".m4a"))
