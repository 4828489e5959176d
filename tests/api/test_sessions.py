"""Sign-out, a password change, an administrator's reset and a deactivation each end every session of the
user: their old bearer tokens and cookies are refused on the next request (api/auth/service.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.auth import service
from api.auth.passwords import strength_problem
from models import User
from models.db import session_scope
from tests.factories import PASSWORD, World, build_world

NEW = "a-new-Password-7"


@pytest.fixture
def world(db_url: str, client: TestClient) -> World:
    with session_scope(db_url) as session:
        return build_world(session)


def _token(client: TestClient, username: str = "w-teacher", password: str = PASSWORD) -> dict[str, str]:
    reply = client.post("/api/auth/token", data={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def _me(client: TestClient, headers: dict[str, str] | None = None) -> int:
    return client.get("/api/auth/me", headers=headers).status_code


def test_sign_out_ends_every_session(client: TestClient, world: World) -> None:
    phone, laptop = _token(client), _token(client)
    assert _me(client, phone) == _me(client, laptop) == 200
    assert client.delete("/api/auth/session", headers=phone).status_code == 204
    assert _me(client, phone) == _me(client, laptop) == 401
    assert _me(client, _token(client)) == 200  # signing in again works


def test_cookie_sign_out_needs_the_csrf_token(client: TestClient, world: World) -> None:
    assert client.post("/api/auth/session", data={"username": "w-teacher", "password": PASSWORD}).status_code == 200
    cookie = client.cookies["tingke_session"]
    refused = client.delete("/api/auth/session")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    assert _me(client) == 200  # a page of another site cannot sign people out
    csrf = {"X-CSRF-Token": client.cookies["tingke_csrf"]}
    assert client.delete("/api/auth/session", headers=csrf).status_code == 204
    client.cookies.set("tingke_session", cookie)  # the old cookie, kept by someone
    assert _me(client) == 401


def test_sign_out_page_ends_the_cookie_for_good(client: TestClient, world: World) -> None:
    client.post("/api/auth/session", data={"username": "w-teacher", "password": PASSWORD})
    cookie, csrf = client.cookies["tingke_session"], client.cookies["tingke_csrf"]
    reply = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert reply.status_code == 303
    client.cookies.set("tingke_session", cookie)
    assert _me(client) == 401


def test_password_change(client: TestClient, world: World) -> None:
    old, other = _token(client), _token(client)
    err = lambda r: (r.status_code, r.json()["error"]["code"])  # noqa: E731
    change = lambda current, new: client.post(  # noqa: E731
        "/api/auth/password", headers=old, json={"current_password": current, "new_password": new})
    assert err(change("wrong-one-1", NEW)) == (403, "wrong_password")
    assert err(change(PASSWORD, PASSWORD)) == (422, "same_password")
    for weak in ("short1", "onlyletters", "123456789012", "w-teacher-2024", "password1"):
        reply = change(PASSWORD, weak)
        assert err(reply) == (422, "weak_password") and reply.json()["error"]["min"] == 8, weak
    not_text = client.post("/api/auth/password", headers=old, json={"current_password": PASSWORD,
                                                                    "new_password": 12345678})
    assert err(not_text) == (422, "invalid_input")
    assert _me(client, old) == _me(client, other) == 200  # refusals changed nothing
    reply = change(PASSWORD, NEW)
    assert reply.status_code == 200
    fresh = {"Authorization": f"Bearer {reply.json()['access_token']}"}
    assert _me(client, old) == _me(client, other) == 401
    assert _me(client, fresh) == 200
    assert client.post("/api/auth/token", data={"username": "w-teacher", "password": PASSWORD}).status_code == 401
    assert _me(client, _token(client, password=NEW)) == 200


def test_password_change_is_throttled_like_sign_in(client: TestClient, world: World) -> None:
    headers = _token(client)
    codes = [client.post("/api/auth/password", headers=headers,
                         json={"current_password": f"guess-{i}-x", "new_password": NEW}).status_code for i in range(6)]
    assert codes[:3] == [403, 403, 403] and 429 in codes[3:]
    blocked = client.post("/api/auth/password", headers=headers, json={"current_password": PASSWORD,
                                                                       "new_password": NEW})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1


def test_reset_and_deactivation_end_sessions(client: TestClient, db_url: str, world: World) -> None:
    teacher = _token(client)
    with session_scope(db_url) as session:
        user = session.get(User, world.users["teacher"])
        assert user is not None
        service.reset_password(session, user, NEW)
    assert _me(client, teacher) == 401
    teacher = _token(client, password=NEW)

    with session_scope(db_url) as session:
        user = session.get(User, world.users["teacher"])
        assert user is not None
        service.deactivate_user(session, user)
    assert _me(client, teacher) == 401
    refused = client.post("/api/auth/token", data={"username": "w-teacher", "password": NEW})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_deactivated"
    wrong = client.post("/api/auth/token", data={"username": "w-teacher", "password": "not-it-123"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "bad_credentials"  # says nothing more
    page = client.post("/login", data={"username": "w-teacher", "password": NEW,
                                       "csrf_token": client.get("/login").cookies.get("tingke_csrf", "")})
    assert page.status_code == 403 and "账号已停用" in page.text

    with session_scope(db_url) as session:
        user = session.get(User, world.users["teacher"])
        assert user is not None
        service.reactivate_user(session, user)
    assert _me(client, teacher) == 401  # what deactivation ended stays ended
    assert _me(client, _token(client, password=NEW)) == 200


@pytest.mark.parametrize(("password", "ok"), [
    ("abcdefg1", True), ("课堂观察2026", True), ("correct horse", True), ("abcdefgh", False), ("1234567", False),
    ("12345678", False), ("x" * 257 + "1", False), ("w-teacherXX1", False), ("Password1", False),
])
def test_strength_rule(password: str, ok: bool) -> None:
    assert (strength_problem(password, "w-teacher") is None) is ok
