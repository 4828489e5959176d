"""On a phone: an observer's badge says a lesson went live (the relay set it live when a real publisher
connected) and the notification opens the observer page; the teacher, on a phone set to another time zone,
reads that an observation was submitted, at Beijing time."""

from __future__ import annotations

import asyncio
import re
import threading

import httpx
import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from models import Lesson, LessonStatus, Observation
from models.db import session_scope
from testkit import peers
from tests.api.test_observations import SCORES_A
from tests.factories import lesson_id
from tests.live.app_relay import BROADCAST_TITLE, bearer, live_site_forwarding_only, wait_for  # noqa: F401
from tests.web.conftest import PHONE, sign_in
from tingke.timezone import format_local

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_going_live_and_a_submitted_observation_are_notified(live_site_forwarding_only, browser: Browser,  # noqa: F811
                                                             new_page, sqlite_db) -> None:
    base_url, _relay = live_site_forwarding_only
    lesson = lesson_id(sqlite_db, BROADCAST_TITLE)
    observer = new_page(phone=True)
    sign_in(observer, "teacher4", "/")
    expect(observer.locator("#notif-count")).to_be_hidden()

    # teacher1 goes live: a real WHIP publisher with the API's grant; the relay sets the lesson live
    grant = httpx.post(f"{base_url}/api/lessons/{lesson}/live", headers=bearer(base_url, "teacher1")).json()

    async def publish_a_while() -> None:
        peer, _ = await peers.publish(grant["relay_url"], grant["room"], grant["token"], audio=False)
        await asyncio.sleep(1.0)
        await peer.leave()

    publisher = threading.Thread(target=asyncio.run, args=(publish_a_while(),))  # Playwright owns this loop
    publisher.start()
    publisher.join(timeout=30)

    def is_live() -> bool:
        with session_scope(sqlite_db) as session:
            return session.get(Lesson, lesson).status == LessonStatus.live  # type: ignore[union-attr]

    wait_for(is_live, 15, "the relay to set the lesson live")
    observer.reload()  # the badge asks on every page (and once a minute)
    expect(observer.locator("#notif-count")).to_have_text("1")
    observer.click("#nav-notifications")
    link = observer.locator("#notif-list li a").first
    expect(link).to_have_text(f"「{BROADCAST_TITLE}」（陈老师）正在直播，点击进入听课")
    link.click()
    observer.wait_for_url(re.compile(rf"/lessons/{lesson}/live/observe$"))

    # teacher4 submits an observation; teacher1 reads it on a phone that thinks it is in New York
    headers = bearer(base_url, "teacher4")
    obs = httpx.post(f"{base_url}/api/lessons/{lesson}/observations", headers=headers, json={"drop_in": False}).json()
    httpx.patch(f"{base_url}/api/observations/{obs['id']}", headers=headers, json={"scores": SCORES_A})
    done = httpx.post(f"{base_url}/api/observations/{obs['id']}/submit", headers=headers)
    assert done.status_code == 200, (obs, done.text)
    def submitted_at() -> object:
        with session_scope(sqlite_db) as session:
            return session.scalar(select(Observation.submitted_at).where(Observation.id == obs["id"]))

    submitted = wait_for(submitted_at, 10, "the submission to be committed")
    context = browser.new_context(base_url=base_url, viewport=PHONE, is_mobile=True, locale="zh-CN",
                                  timezone_id="America/New_York")
    try:
        teacher = context.new_page()
        sign_in(teacher, "teacher1", "/notifications")
        item = teacher.locator("#notif-list li").first
        when = format_local(submitted)
        expect(item.locator("a")).to_have_text(f"周老师 提交了对「{BROADCAST_TITLE}」的听课记录（{when}）")
        expect(item.locator(".meta")).to_have_text(when)  # listed at Beijing time too
        expect(teacher.locator("#notif-count")).to_have_text("1")
    finally:
        context.close()
    assert observer.js_errors == [], observer.js_errors  # type: ignore[attr-defined]
