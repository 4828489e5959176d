"""Sign-in with the district's identity: a real OpenID provider (Authlib's server side, its own uvicorn process on
loopback) and the real redirect flow in Chromium — authorization code with PKCE, state and nonce — matching the
imported person by 工号; an unknown person refused or created in the default school; a provider that signs for
another issuer or audience refused; a replayed code or a wrong state refused."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from api.auth import oidc
from models import School, User
from models.db import session_scope
from tests.support.pipeline import free_port
from tingke.settings import reset_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
USERS = {"chen": {"name": "陈老师", "employee_no": "T9001"}, "newbie": {"name": "新来的老师", "employee_no": "T9999"}}
SECRET = "provider-client-secret"


@pytest.fixture
def provider(server: str, monkeypatch: pytest.MonkeyPatch, sqlite_db: str) -> Iterator[Callable[..., str]]:
    """``provider(sign_issuer=None, audience=None)`` starts a provider process and points tingke at it."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(sign_issuer: str = "", audience: str = "") -> str:
        for proc in procs:
            proc.kill()
            proc.wait(timeout=10)
        port = free_port()
        issuer = f"http://127.0.0.1:{port}"
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "tests.support.oidc_provider", "--port", str(port), "--client-id", "tingke",
             "--client-secret", SECRET, "--redirect-uri", f"{server}/auth/oidc/callback", "--users",
             json.dumps(USERS), "--sign-issuer", sign_issuer, "--audience", audience], cwd=ROOT))
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the OpenID provider did not start"
            time.sleep(0.2)
        for name, value in (("ISSUER", issuer), ("CLIENT_ID", "tingke"), ("CLIENT_SECRET", SECRET)):
            monkeypatch.setenv(f"TINGKE_OIDC_{name}", value)
        reset_settings()
        oidc.forget_provider()
        return issuer

    yield start
    for proc in procs:
        proc.kill()
        proc.wait(timeout=10)
    oidc.forget_provider()


def _through_provider(page: Page, login: str) -> None:
    page.goto("/login?next=/lessons")
    page.click("#oidc-sign-in")
    expect(page.locator("h1")).to_have_text("区县统一身份认证")
    assert "code_challenge_method=S256" in page.url and "nonce=" in page.url and "state=" in page.url
    page.fill("#provider-login", login)
    page.fill("#provider-password", "provider-password")
    page.click("#provider-submit")
    page.wait_for_load_state()


def test_sign_in_with_the_districts_identity(new_page, provider, sqlite_db: str, web_demo, monkeypatch) -> None:
    with session_scope(sqlite_db) as s:
        teacher = s.get(User, web_demo["teacher1"])
        assert teacher is not None
        teacher.employee_no = "T9001"  # as the office's import set it
    provider()
    page = new_page(phone=True)
    _through_provider(page, "chen")
    expect(page).to_have_url(re.compile(r"/lessons$"))
    me = page.request.get("/api/auth/me").json()
    assert me["username"] == "teacher1"
    assert not page.js_errors, page.js_errors

    # someone the office has not imported: refused, unless first sign-in creates them in the default school
    stranger = new_page(phone=True)
    _through_provider(stranger, "newbie")
    expect(stranger.locator("#login-error")).to_contain_text("没有与您的工号或手机号对应的账号")
    assert stranger.request.get("/api/auth/me").status == 401
    monkeypatch.setenv("TINGKE_OIDC_CREATE_USERS", "true")
    monkeypatch.setenv("TINGKE_OIDC_DEFAULT_SCHOOL", "石桥村小学")
    reset_settings()
    _through_provider(stranger, "newbie")
    expect(stranger).to_have_url(re.compile(r"/lessons$"))
    with session_scope(sqlite_db) as s:
        made = s.scalar(select(User).where(User.employee_no == "T9999"))
        assert made is not None and made.display_name == "新来的老师"
        school = s.get(School, made.school_id)
        assert school is not None and school.name == "石桥村小学"

    # a replayed callback: the URL one browser came back with, opened in another that started its own sign-in
    spy = new_page()
    spy.goto("/login")
    spy.click("#oidc-sign-in")  # a flow cookie of its own, with another state, nonce and PKCE verifier
    victim = new_page()
    callbacks: list[str] = []
    victim.on("request", lambda request: callbacks.append(request.url) if "/auth/oidc/callback" in request.url
              else None)
    _through_provider(victim, "chen")
    expect(victim).to_have_url(re.compile(r"/lessons$"))
    assert callbacks, "the provider did not redirect back"
    spy.goto(callbacks[0])
    expect(spy.locator("#login-error")).to_contain_text("state 不符")
    assert spy.request.get("/api/auth/me").status == 401


@pytest.mark.parametrize(("kind", "message"), [("issuer", "不是由本区县的认证服务签发的"),
                                               ("audience", "不是签发给本系统的")])
def test_wrong_issuer_or_audience_is_refused(new_page, provider, web_demo, sqlite_db: str, kind: str,
                                             message: str) -> None:
    with session_scope(sqlite_db) as s:
        teacher = s.get(User, web_demo["teacher1"])
        assert teacher is not None
        teacher.employee_no = "T9001"
    if kind == "issuer":
        provider(sign_issuer="http://127.0.0.1:9/another-provider")
    else:
        provider(audience="another-client")
    page = new_page(phone=True)
    _through_provider(page, "chen")
    expect(page.locator("#login-error")).to_contain_text(message)
    assert page.request.get("/api/auth/me").status == 401
    assert not [c for c in page.context.cookies() if c["name"] == "tingke_session"]
