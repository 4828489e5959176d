"""Sign-in: bearer tokens, the page cookie with CSRF, throttling of repeated failures."""

from __future__ import annotations

from api.auth.throttle import required_wait
from models import LoginThrottle


def test_token_and_me(client, demo):
    reply = client.post("/api/auth/token", data={"username": "teacher1", "password": "tingke-demo"})
    assert reply.status_code == 200
    body = reply.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["username"] == "teacher1"
    assert me.json()["school_name"] == "城东实验小学"


def test_wrong_password_and_unknown_user_look_the_same(client, demo):
    a = client.post("/api/auth/token", data={"username": "teacher1", "password": "nope"})
    b = client.post("/api/auth/token", data={"username": "nobody", "password": "nope"})
    assert a.status_code == b.status_code == 401
    assert a.json()["error"]["code"] == b.json()["error"]["code"] == "bad_credentials"


def test_bad_and_forged_tokens_are_refused(client, demo, login):
    good = login("teacher1")["Authorization"]
    for token in ("garbage", good[:-3] + "abc", "a.b.c"):
        reply = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 401
        assert reply.json()["error"]["code"] == "not_authenticated"
    assert client.get("/api/lessons").status_code == 401


def test_repeated_failures_are_slowed_down(client, demo):
    codes = [client.post("/api/auth/token", data={"username": "teacher2", "password": f"x{i}"}).status_code
             for i in range(6)]
    assert codes[:3] == [401, 401, 401]
    assert 429 in codes[3:]
    blocked = client.post("/api/auth/token", data={"username": "teacher2", "password": "tingke-demo"})
    assert blocked.status_code == 429, "the right password must wait too while the account is slowed down"
    assert int(blocked.headers["Retry-After"]) >= 1
    # other accounts are not affected
    assert client.post("/api/auth/token", data={"username": "teacher3", "password": "tingke-demo"}).status_code == 200


def test_delay_grows_and_is_capped():
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    waits = [required_wait(LoginThrottle(username="u", failures=n, last_failure_at=now), now) for n in range(3, 15)]
    assert waits == sorted(waits)
    assert waits[0] == 1 and max(waits) == 60


def test_cookie_session_needs_csrf_for_writes(client, demo):
    reply = client.post("/api/auth/session", data={"username": "teacher1", "password": "tingke-demo"})
    assert reply.status_code == 200
    assert "tingke_session" in client.cookies and "tingke_csrf" in client.cookies
    assert client.get("/api/auth/me").status_code == 200  # reads work with the cookie alone
    lesson = {"title": "测试课", "subject": "数学", "grade": "七年级"}
    refused = client.post("/api/lessons", json=lesson)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    wrong = client.post("/api/lessons", json=lesson, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    ok = client.post("/api/lessons", json=lesson, headers={"X-CSRF-Token": client.cookies["tingke_csrf"]})
    assert ok.status_code == 201
    csrf = {"X-CSRF-Token": client.cookies["tingke_csrf"]}
    assert client.delete("/api/auth/session", headers=csrf).status_code == 204
    assert client.get("/api/auth/me").status_code == 401
