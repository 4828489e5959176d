"""Live tokens: who may go live or watch, what the tokens allow at the relay, and the signed live HLS."""

from __future__ import annotations

import subprocess
import time
from urllib.parse import parse_qs, urlsplit

import httpx

from api.live import audience
from models import Lesson, LessonStatus
from models.db import session_scope
from tests.conftest import TEST_SECRET
from tests.factories import lesson_id
from tests.live.app_relay import BROADCAST_TITLE, DUAL_TITLE
from tests.streaming.conftest import RelayProcess
from tingke.settings import get_settings
from tingke.signing import sign_token, verify_token

PRIVATE_TITLE = "一元一次方程（个人备课）"


def _set_status(db_url: str, lesson: int, status: LessonStatus) -> None:
    with session_scope(db_url) as session:
        row = session.get(Lesson, lesson)
        assert row is not None
        row.status = status


def _error(reply: httpx.Response, status: int, code: str | None = None) -> None:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"error"} and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code


def test_publish_and_watch_grants_follow_the_access_rules(client, login, db_url):
    broadcast, dual = lesson_id(db_url, BROADCAST_TITLE), lesson_id(db_url, DUAL_TITLE)
    private = lesson_id(db_url, PRIVATE_TITLE)
    relay_base = get_settings().relay_base

    grant = client.post(f"/api/lessons/{broadcast}/live", headers=login("teacher1"))
    assert grant.status_code == 200, grant.text
    g = grant.json()
    assert g["whip_url"] == f"{relay_base}/whip/{broadcast}" and g["mode"] == "broadcast"
    assert g["role"] == "publisher" and g["label"] == "main" and g["ice_servers"] == []
    claims = verify_token("live", g["token"])
    assert claims["room"] == str(broadcast) and claims["role"] == "publisher" and claims["mode"] == "broadcast"
    assert g["master"] is True and claims["master"] is True  # the broadcaster is what the crowd's HLS shows
    assert 0 < claims["exp"] - time.time() <= get_settings().live_token_ttl_seconds

    # dual lesson: each classroom teacher gets a classroom token with the classroom's label, and the
    # token says whether it is the master classroom (the relay's crowd HLS follows the master)
    labels, masters = {}, {}
    for user in ("teacher1", "teacher2", "head1"):
        reply = client.post(f"/api/lessons/{dual}/live", headers=login(user))
        assert reply.status_code == 200, (user, reply.text)
        labels[user] = reply.json()["label"]
        dual_claims = verify_token("live", reply.json()["token"])
        assert dual_claims["role"] == "classroom" and dual_claims["master"] is reply.json()["master"]
        masters[user] = dual_claims["master"]
    assert labels == {"teacher1": "主讲端 城东实验小学", "teacher2": "辅助端 青山乡中心小学",
                      "head1": "主讲端 城东实验小学"}
    assert masters == {"teacher1": True, "teacher2": False, "head1": True}

    # a colleague may watch but not publish; an outsider sees neither
    _error(client.post(f"/api/lessons/{broadcast}/live", headers=login("teacher4")), 403, "forbidden")
    _error(client.post(f"/api/lessons/{dual}/live", headers=login("teacher3")), 403, "forbidden")
    watch = client.post(f"/api/lessons/{broadcast}/live/watch", headers=login("teacher4"))
    assert watch.status_code == 200, watch.text
    w = watch.json()
    assert verify_token("live", w["token"])["role"] == "viewer" and "master" not in verify_token("live", w["token"])
    assert w["whep_url"] == f"{relay_base}/whep/{broadcast}" and not w["hls_ready"]
    assert w["hls_url"].startswith(f"/media/live/{broadcast}/hls/master.m3u8?md5=")
    _error(client.post(f"/api/lessons/{private}/live", headers=login("teacher3")), 404, "not_found")
    _error(client.post(f"/api/lessons/{private}/live/watch", headers=login("teacher3")), 404, "not_found")
    _error(client.post("/api/lessons/999999/live/watch", headers=login("teacher1")), 404)
    _error(client.post(f"/api/lessons/{broadcast}/live"), 401)

    # a lesson that already ended cannot go live again; a ready one is watched on its lesson page
    _set_status(db_url, broadcast, LessonStatus.processing)
    _error(client.post(f"/api/lessons/{broadcast}/live", headers=login("teacher1")), 409, "lesson_finished")
    assert client.post(f"/api/lessons/{broadcast}/live/watch", headers=login("teacher4")).status_code == 200
    _set_status(db_url, broadcast, LessonStatus.ready)
    _error(client.post(f"/api/lessons/{broadcast}/live/watch", headers=login("teacher4")), 409, "lesson_ready")


def test_live_hls_is_served_with_signed_expiring_urls(client, login, db_url, monkeypatch):
    monkeypatch.setattr(audience, "_seen", {})  # this process's count, fresh for each database
    lesson = lesson_id(db_url, BROADCAST_TITLE)
    folder = get_settings().media_root / "live" / str(lesson) / "hls"
    (folder / "low").mkdir(parents=True)
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "3",
                    "-pix_fmt", "yuv420p", "-c:v", "libx264", "-g", "25", "-f", "hls", "-hls_time", "1",
                    "-hls_playlist_type", "event", str(folder / "low" / "index.m3u8")], check=True)
    (folder / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000\nlow/index.m3u8\n")
    w = client.post(f"/api/lessons/{lesson}/live/watch", headers=login("teacher4")).json()
    assert w["hls_ready"] and w["hls_ended"]  # the ffmpeg run above finished its playlist with ENDLIST

    master = client.get(w["hls_url"])
    assert master.status_code == 200 and master.headers["cache-control"] == "no-cache"
    assert master.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    variant_url = next(line for line in master.text.splitlines() if line.startswith("/media/live/"))
    variant = client.get(variant_url)
    segment_url = next(line for line in variant.text.splitlines() if line.startswith("/media/live/"))
    segment = client.get(segment_url)
    assert segment.status_code == 200 and segment.headers["content-type"] == "video/mp2t"
    assert segment.content[:1] == b"\x47"  # an MPEG-TS sync byte

    # the broadcaster (teacher1) sees that one viewer fetched the live playlists; others may not ask
    watching = client.get(f"/api/lessons/{lesson}/live/audience", headers=login("teacher1"))
    assert watching.status_code == 200 and watching.json() == {"hls_viewers": 1}, watching.text
    client.get(client.post(f"/api/lessons/{lesson}/live/watch", headers=login("teacher3")).json()["hls_url"])
    assert client.get(f"/api/lessons/{lesson}/live/audience", headers=login("teacher1")).json()["hls_viewers"] == 2
    _error(client.get(f"/api/lessons/{lesson}/live/audience", headers=login("teacher4")), 403)

    path, query = w["hls_url"].split("?")
    params = {k: v[0] for k, v in parse_qs(query).items()}
    _error(client.get(path), 403, "link_expired")
    tampered = ("B" if params["md5"][0] == "A" else "A") + params["md5"][1:]  # (a signature may start with A)
    _error(client.get(path, params={**params, "md5": tampered}), 403, "link_expired")
    _error(client.get(path, params={**params, "expires": str(int(params["expires"]) + 1)}), 403)
    expired = int(time.time()) - 5
    from tingke.signing import secure_link_hash
    _error(client.get(path, params={"md5": secure_link_hash(path, expired), "expires": str(expired)}), 403)
    # another lesson's signature does not open this lesson's files, nor does a path outside the folder
    other = client.post(f"/api/lessons/{lesson_id(db_url, DUAL_TITLE)}/live/watch", headers=login("teacher1")).json()
    other_query = urlsplit(other["hls_url"]).query
    _error(client.get(f"{path}?{other_query}"), 403)
    sneaky = f"/media/live/{lesson}/hls/../../../secret.key"
    from api.media.service import signed
    assert client.get(signed(sneaky, int(time.time()) + 60)).status_code in (403, 404)


def test_the_relay_refuses_expired_wrong_room_and_wrong_role_tokens(client, login, db_url, relay: RelayProcess):
    lesson = lesson_id(db_url, BROADCAST_TITLE)
    publisher = client.post(f"/api/lessons/{lesson}/live", headers=login("teacher1")).json()["token"]
    viewer = client.post(f"/api/lessons/{lesson}/live/watch", headers=login("teacher4")).json()["token"]
    offer = "v=0\r\n"
    headers = {"Content-Type": "application/sdp"}

    def whip(room: str, token: str) -> httpx.Response:
        return httpx.post(f"{relay.base_url}/whip/{room}", content=offer,
                          headers={**headers, "Authorization": f"Bearer {token}"}, timeout=10)

    _error(whip(str(lesson + 1), publisher), 403, "wrong_room")
    _error(whip(str(lesson), viewer), 403, "wrong_role")
    expired = sign_token("live", dict(verify_token("live", publisher), exp=None), -5, key=TEST_SECRET.encode())
    _error(whip(str(lesson), expired), 401, "invalid_token")
    _error(whip(str(lesson), publisher[:-3] + "abc"), 401, "invalid_token")
    # the valid token gets past authentication (and the bad SDP is what is refused)
    assert whip(str(lesson), publisher).status_code == 400


def test_api_and_relay_agree_on_the_live_hls_folder(env):
    from api.live.service import live_hls_dir
    from streaming.live_hls import hls_folder

    assert live_hls_dir(42) == hls_folder(get_settings().media_root, "42")
