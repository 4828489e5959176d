"""The sign-in page and the page guard, over HTTP (no browser needed): redirects, clear errors,
throttling, CSRF, and no open redirect."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

PAGES = ["/", "/lessons", "/lessons/new", "/lessons/1", "/lessons/1/observe", "/lessons/1/report",
         "/lessons/1/play", "/library", "/signoffs", "/groups/1", "/groups/new"]


@pytest.fixture
def web(sqlite_db: str, web_demo: dict[str, int]):
    from api.app import create_app

    with TestClient(create_app()) as client:
        yield client


def _csrf(client: TestClient) -> str:
    client.get("/login")
    return client.cookies["tingke_csrf"]


def _post_login(client: TestClient, username: str, password: str, next_path: str = "/"):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(client),
                                       "next": next_path}, follow_redirects=False)


def test_every_page_sends_anonymous_visitors_to_sign_in(web: TestClient) -> None:
    for path in PAGES:
        reply = web.get(path, follow_redirects=False)
        assert reply.status_code == 303, path
        assert reply.headers["location"].startswith("/login?next=%2F"), path


def test_sign_in_errors_are_clear_and_throttled(web: TestClient) -> None:
    reply = _post_login(web, "teacher1", "wrong")
    assert reply.status_code == 401 and "用户名或密码错误" in reply.text
    assert 'value="teacher1"' in reply.text  # the name stays filled in
    assert _post_login(web, "teacher1", "").status_code == 422
    for _ in range(4):
        reply = _post_login(web, "teacher1", "wrong")
    assert reply.status_code == 429, reply.text
    assert "失败次数过多" in reply.text and int(reply.headers["retry-after"]) >= 1
    reply = _post_login(web, "teacher1", "tingke-demo")  # even the right password waits its turn
    assert reply.status_code == 429


def test_sign_in_redirects_only_to_local_pages(web: TestClient) -> None:
    reply = _post_login(web, "teacher2", "tingke-demo", "//evil.example/steal")
    assert reply.status_code == 303 and reply.headers["location"] == "/"
    web.cookies.clear()
    reply = _post_login(web, "teacher2", "tingke-demo", "/lessons/1/observe")
    assert reply.headers["location"] == "/lessons/1/observe"
    assert web.get("/lessons/1/observe").status_code == 200


def test_forms_need_the_csrf_token(web: TestClient) -> None:
    _csrf(web)
    reply = web.post("/login", data={"username": "teacher2", "password": "tingke-demo", "csrf_token": "forged"})
    assert reply.status_code == 403 and "页面已过期" in reply.text
    _post_login(web, "teacher2", "tingke-demo")
    assert web.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert web.get("/", follow_redirects=False).status_code == 200  # still signed in
    reply = web.post("/logout", data={"csrf_token": web.cookies["tingke_csrf"]}, follow_redirects=False)
    assert reply.status_code == 303
    assert web.get("/", follow_redirects=False).status_code == 303


def test_language_switch_and_table(web: TestClient) -> None:
    token = _csrf(web)
    reply = web.post("/language", data={"lang": "en", "csrf_token": token, "next": "/login"})
    assert reply.status_code == 200 and "Sign in" in reply.text and 'lang="en"' in reply.text
    assert web.post("/language", data={"lang": "fr", "csrf_token": token}).status_code == 422
    # the scripts' part of the table (templates are translated on the server)
    assert web.get("/i18n/en.json").json()["apierr.network"].startswith("Could not reach the server")
    assert web.get("/i18n/zh.json").json()["apierr.network"].startswith("连不上服务器")
    assert "obs.state.submitted" in web.get("/i18n/zh.json").json()  # a key completed at run time
    assert web.get("/i18n/xx.json").status_code == 404
