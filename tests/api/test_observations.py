"""Observing: notes on the lesson clock, scores in range, submission once, drop-in sign-off, report."""

from __future__ import annotations

import pytest

from api.observations.agreement import krippendorff_alpha_interval

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


def test_two_observers_and_the_report(client, login):
    r1, t2 = login("researcher1"), login("teacher1")
    lesson = _lesson_of(client, r1, "刘老师")
    _observe(client, r1, lesson, SCORES_A)
    _observe(client, t2, lesson, SCORES_B)
    report = client.get(f"/api/lessons/{lesson}/report", headers=login("teacher2")).json()
    assert report["observers"] == 2
    goals = next(d for d in report["dimensions"] if d["code"] == "goals")
    assert goals["mean"] == 8.5 and goals["n"] == 2 and goals["std"] == pytest.approx(0.707, abs=1e-3)
    assert report["agreement"]["method"] == "krippendorff_alpha_interval"
    units = [[SCORES_A[c] / 10, SCORES_B[c] / 10] for c in SCORES_A]
    assert report["agreement"]["value"] == pytest.approx(krippendorff_alpha_interval(units), abs=1e-3)
    totals = sorted(row["total"] for row in report["rows"])
    assert totals == [76.5, 82.5]
    # the observed teacher sees the submitted observations with their notes
    seen = client.get(f"/api/lessons/{lesson}/observations", headers=login("teacher2")).json()
    assert len(seen) == 2 and all(len(o["notes"]) == 3 for o in seen)


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


@pytest.mark.parametrize(("units", "expected"), [
    ([[1, 1], [2, 2], [3, 3]], 1.0),  # perfect agreement
    ([[1, 2], [2, 1]], -0.5),  # hand computation: Do = 1, De = 2/3
    ([[0.5]], None),  # nothing pairable
])
def test_krippendorff_alpha(units, expected):
    value = krippendorff_alpha_interval(units)
    assert value == (pytest.approx(expected) if expected is not None else None)


def test_alpha_against_textbook_example():
    """Krippendorff (2011), reliability data of 4 coders on 12 units (interval alpha = 0.849)."""
    data = [
        [1, 1, None, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
        [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [None, 5, 5, 5], [None, None, 1, 1], [None, None, 3, None],
    ]
    units = [[v for v in row if v is not None] for row in data]
    assert krippendorff_alpha_interval(units) == pytest.approx(0.849, abs=1e-3)


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
