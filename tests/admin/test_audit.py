"""The audit trail: admin actions and media views are recorded (one row per viewer, lesson and hour, however many
segments), found by the district admin by person, lesson and date, exported, and never changed or removed."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from api.audit.service import recent_views
from models import AuditEvent, AuditIsAppendOnly
from models.db import session_scope
from tests.admin.media import make_ready_lesson

LESSON = 1  # teacher1's public 勾股定理 示范课


def _fetch_everything(client, headers) -> int:
    """What a player does: the signed master playlist, each variant, each segment; returns the requests made."""
    media = client.get(f"/api/lessons/{LESSON}/media", headers=headers).json()
    assert parse_qs(urlsplit(media["hls"]).query)["v"]  # the link names its viewer
    requests = 0
    todo = [media["hls"]]
    while todo:
        url = todo.pop()
        reply = client.get(url)
        assert reply.status_code == 200, (url, reply.text)
        requests += 1
        if url.split("?")[0].endswith(".m3u8"):
            base = url.split("?")[0].rsplit("/", 1)[0]
            todo += [line if line.startswith("/") else f"{base}/{line}"
                     for line in reply.text.splitlines() if line and not line.startswith("#")]
    return requests


def _views(db_url, action="media.view"):
    with session_scope(db_url) as s:
        return [(r.actor_name, r.lesson_id) for r in s.scalars(select(AuditEvent).where(AuditEvent.action == action))]


def test_media_views_are_recorded_once_per_viewer_and_found_by_the_district(client, login, db_url, demo):
    recent_views._keys.clear()
    make_ready_lesson(db_url, LESSON)
    researcher = login("researcher1")
    assert _fetch_everything(client, researcher) > 4
    assert _fetch_everything(client, researcher) > 4  # watched again within the hour: still one row
    assert _views(db_url) == [("王研训（数学教研员）", LESSON)]
    media = client.get(f"/api/lessons/{LESSON}/media", headers=login("teacher3")).json()
    assert client.get(media["download"]).status_code == 200
    assert _views(db_url, "media.download") == [("张老师", LESSON)]

    # a link is bound to its viewer: without v, or with another's, it is refused
    url = media["hls"]
    assert client.get(re.sub(r"&v=\d+", "", url)).status_code == 403
    assert client.get(re.sub(r"&v=\d+", f"&v={demo['researcher1']}", url)).status_code == 403

    # the district admin finds the researcher's view by person, by lesson and by date; others may not look
    admin = login("admin")
    found = client.get("/api/audit", headers=admin, params={"person": "王研训", "lesson_id": LESSON}).json()
    assert found["total"] == 1 and found["items"][0]["action"] == "media.view"
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", found["items"][0]["local_time"])
    today = found["items"][0]["local_time"][:10]
    assert client.get("/api/audit", headers=admin, params={"since": today, "until": today,
                                                           "action": "media"}).json()["total"] == 2
    assert client.get("/api/audit", headers=admin, params={"until": "2000-01-01"}).json()["total"] == 0
    for who in ("teacher1", "head1", "researcher1"):
        assert client.get("/api/audit", headers=login(who)).status_code == 403
    exported = client.get("/api/audit/export.csv", headers=admin, params={"action": "media"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["时间", "操作人", "操作"]
    assert {(r[1], r[2]) for r in rows[1:]} == {("王研训（数学教研员）", "观看课堂视频"), ("张老师", "下载课堂视频")}
    book = client.get("/api/audit/export.xlsx", headers=admin)
    assert book.status_code == 200 and book.content[:2] == b"PK"
    assert _views(db_url, "audit.export") == [("系统管理员", None), ("系统管理员", None)]


def test_admin_actions_are_recorded_and_the_log_cannot_change(client, login, db_url, demo):
    admin = login("admin")
    made = client.post("/api/zones", headers=admin, json={"name": "城北片区", "code": "chengbei"})
    assert made.status_code == 201
    reset = client.post(f"/api/users/{demo['teacher2']}/reset-password", headers=admin, json={})
    assert reset.status_code == 200 and len(reset.json()["one_time_password"]) == 12
    found = client.get("/api/audit", headers=admin, params={"person": "系统管理员"}).json()["items"]
    assert [r["action"] for r in found][:2] == ["user.reset_password", "zone.create"]
    assert found[0]["ip"] and found[0]["target_id"] == demo["teacher2"]
    with session_scope(db_url) as s:
        row = s.scalars(select(AuditEvent)).first()
        assert row is not None
        row.summary = "tampered"
        with pytest.raises(AuditIsAppendOnly):
            s.flush()
        s.rollback()
    for statement in ("UPDATE audit_events SET summary = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError), session_scope(db_url) as s:
            s.execute(text(statement))
    with session_scope(db_url) as s:
        assert all(r.summary != "x" for r in s.scalars(select(AuditEvent)))
