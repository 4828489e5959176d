"""Observing: notes on the lesson clock, scores in range, submission once, drop-in sign-off (the report
is tests/reports)."""

from __future__ import annotations

SCORES_A = {"goals": 9, "content": 8, "process": 9, "engagement": 7, "interaction": 8, "outcome": 8,
            "teacher_skills": 9}
SCORES_B = {"goals": 8, "content": 8, "process": 8, "engagement": 6, "interaction": 7, "outcome": 8,
            "teacher_skills": 9}


def _lesson_of(client, h, teacher_name: str) -> int:
    items = client.get("/api/lessons", headers=h, params={"limit": 200}).json()["items"]
    return next(x["id"] for x in items if x["teacher_name"] == teacher_name and x["visibility"] != "private")


def _observe(client, h, lesson_id, scores, drop_in=False):
    obs = client.post(f"/api/lessons/{lesson_id}/observations", headers=h, json={"drop_in": drop_in})
    assert obs.status_code == 201, obs.text
    oid = obs.json()["id"]
    for t, text in ((60, "导入自然，联系生活"), (600, "小组合作讨论充分"), (1500, "当堂检测正确率高")):
        assert client.post(f"/api/observations/{oid}/notes", headers=h, json={"t": t, "text": text}).status_code == 201
    assert client.patch(f"/api/observations/{oid}", headers=h,
                        json={"scores": scores, "comments": "点评", "summary": "总评：优"}).status_code == 200
    assert client.post(f"/api/observations/{oid}/submit", headers=h).status_code == 200
    return oid


def test_observation_rules(client, login):
    r1 = login("researcher1")
    lesson = _lesson_of(client, r1, "刘老师")
    oid = client.post(f"/api/lessons/{lesson}/observations", headers=r1, json={}).json()["id"]
    again = client.post(f"/api/lessons/{lesson}/observations", headers=r1, json={})
    assert again.status_code == 409
    err = lambda r: (r.status_code, r.json()["error"]["code"])  # noqa: E731
    assert err(client.post(f"/api/observations/{oid}/notes", headers=r1, json={"t": 99999, "text": "x"})) == (
        422, "note_time_out_of_range")
    assert err(client.post(f"/api/observations/{oid}/notes", headers=r1, json={"t": -1, "text": "x"}))[0] == 422
    assert err(client.patch(f"/api/observations/{oid}", headers=r1, json={"scores": {"goals": 10.5}})) == (
        422, "score_out_of_range")
    assert err(client.patch(f"/api/observations/{oid}", headers=r1, json={"scores": {"charisma": 5}})) == (
        422, "unknown_dimension")
    assert err(client.post(f"/api/observations/{oid}/submit", headers=r1)) == (422, "incomplete_scores")
    client.patch(f"/api/observations/{oid}", headers=r1, json={"scores": SCORES_A})
    assert client.post(f"/api/observations/{oid}/submit", headers=r1).status_code == 200
    assert err(client.post(f"/api/observations/{oid}/submit", headers=r1)) == (409, "already_submitted")
    assert err(client.patch(f"/api/observations/{oid}", headers=r1, json={"summary": "late"})) == (
        409, "already_submitted")
    # a teacher cannot observe their own lesson
    assert client.post(f"/api/lessons/{lesson}/observations", headers=login("teacher2"), json={}).status_code == 403


def test_drop_in_sign_off(client, login):
    r1 = login("researcher1")
    lesson = _lesson_of(client, r1, "刘老师")
    oid = client.post(f"/api/lessons/{lesson}/observations", headers=r1, json={"drop_in": True}).json()["id"]
    teacher = login("teacher2")
    early = client.post(f"/api/observations/{oid}/signoff", headers=teacher)
    assert early.status_code == 404  # drafts are the observer's own business
    client.patch(f"/api/observations/{oid}", headers=r1, json={"scores": SCORES_A})
    client.post(f"/api/observations/{oid}/submit", headers=r1)
    assert client.post(f"/api/observations/{oid}/signoff", headers=r1).status_code == 403
    signed = client.post(f"/api/observations/{oid}/signoff", headers=teacher)
    assert signed.status_code == 200 and signed.json()["state"] == "signed_off"
    assert client.post(f"/api/observations/{oid}/signoff", headers=teacher).status_code == 409


def test_concurrent_edits_of_one_score_do_not_collide(client, login, db_url):
    """Two requests racing on the same new score: both succeed, one value wins, no 409/500."""
    from concurrent.futures import ThreadPoolExecutor

    r1 = login("researcher1")
    lesson = _lesson_of(client, r1, "刘老师")
    oid = client.post(f"/api/lessons/{lesson}/observations", headers=r1, json={}).json()["id"]
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda v: client.patch(f"/api/observations/{oid}", headers=r1,
                                                       json={"scores": {"goals": v}}), [5, 6, 7, 8]))
    assert [r.status_code for r in replies] == [200] * 4
    assert client.get(f"/api/observations/{oid}", headers=r1).json()["scores"]["goals"] in (5, 6, 7, 8)
