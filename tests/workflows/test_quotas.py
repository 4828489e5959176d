"""Quota progress is computed from real observations, sign-offs and activities; the rules are data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.workflows.conftest import BOTH_DATABASES
from tests.workflows.helpers import err, metric, new_lesson, observe, sign
from tingke.semesters import current_semester, semester_bounds, semester_of
from tingke.settings import reset_settings
from tingke.timezone import today as district_today  # the district's date, not the machine's


def _me(client, headers, semester=None):
    params = {"semester": semester} if semester else {}
    reply = client.get(f"/api/quotas/people/{client.get('/api/auth/me', headers=headers).json()['id']}",
                       headers=headers, params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


@BOTH_DATABASES
def test_teacher_counts_submitted_and_signed_drop_ins_only(client, login, demo):
    t4, t1, t2, t3 = login("teacher4"), login("teacher1"), login("teacher2"), login("teacher3")
    lessons = [new_lesson(client, t1, "一次函数"), new_lesson(client, t2, "相交线"),
               new_lesson(client, t3, "春晓", subject="语文"), new_lesson(client, t1, "平行线"),
               new_lesson(client, t2, "三角形")]
    observe(client, t4, lessons[0])                                   # submitted: counts
    observe(client, t4, lessons[1])                                   # submitted: counts
    signed = observe(client, t4, lessons[2], drop_in=True)            # drop-in, signed: counts, and as drop-in
    sign(client, t3, signed)
    observe(client, t4, lessons[3], drop_in=True)                     # drop-in, never signed: counts for nothing
    observe(client, t4, lessons[4], submit=False)                     # draft: counts for nothing

    me = _me(client, t4)
    assert me["audience"] == "teacher"
    observations, share = metric(me, "observations"), metric(me, "drop_in_share")
    assert (observations["done"], observations["target"], observations["met"]) == (3, 15, False)
    assert observations["detail"]["drop_ins"] == 1
    assert share["done"] == pytest.approx(1 / 3, abs=1e-3) and share["target"] == 0.5 and not share["met"]
    assert me["met"] is False

    # the same numbers through the list endpoint (the teacher sees only themself)
    listed = client.get("/api/quotas", headers=t4).json()
    assert listed["schools"] == [] and [p["user_id"] for p in listed["people"]] == [demo["teacher4"]]
    assert metric(listed["people"][0], "observations")["done"] == 3

    # changing the rule changes the target (admins only), and a zone+semester rule beats the district default
    admin = login("admin")
    rules = client.get("/api/quota-rules", headers=t4).json()
    default = next(r for r in rules if (r["audience"], r["metric"], r["zone_id"]) == ("teacher", "observations", None))
    assert default["target"] == 15
    assert err(client.patch(f"/api/quota-rules/{default['id']}", headers=t4, json={"target": 2})) == (403, "forbidden")
    assert client.patch(f"/api/quota-rules/{default['id']}", headers=admin, json={"target": 2}).status_code == 200
    assert metric(_me(client, t4), "observations") | {"detail": None} == {
        "metric": "observations", "done": 3, "target": 2, "maximum": None, "met": True, "rule_id": default["id"],
        "detail": None}
    zone_id = client.get("/api/zones", headers=admin).json()[0]["id"]
    term = current_semester()
    made = client.post("/api/quota-rules", headers=admin, json={
        "zone_id": zone_id, "semester": term, "audience": "teacher", "metric": "observations", "target": 4})
    assert made.status_code == 201, made.text
    now = metric(_me(client, t4), "observations")
    assert (now["target"], now["met"], now["rule_id"]) == (4, False, made.json()["id"])
    # signing the last drop-in makes it count: 4 observations, 2 of them drop-ins → half
    t1_obs = client.get(f"/api/lessons/{lessons[3]}/observations", headers=t1).json()
    sign(client, t1, t1_obs[0]["id"])
    me = _me(client, t4)
    assert metric(me, "observations")["done"] == 4 and metric(me, "drop_in_share")["done"] == 0.5
    assert me["met"] is True


@BOTH_DATABASES
def test_researcher_visits_activities_seminars_and_contact_observations(client, login, demo):
    r1, t2, t1 = login("researcher1"), login("teacher2"), login("teacher1")
    schools = {s["name"]: s["id"] for s in client.get("/api/schools", headers=r1).json()}
    rural1, lead = schools["青山乡中心小学"], schools["城东实验小学"]
    before = _me(client, r1)
    assert {m["metric"]: m["target"] for m in before["metrics"]} == {
        "observations": 20, "drop_in_share": 0.5, "contact_observations": 40, "visit_days": 20, "activities": 3,
        "seminars": 1}
    assert metric(before, "seminars")["maximum"] == 2
    today = district_today()
    first, _ = semester_bounds(current_semester())
    days = [d for d in (today, today - timedelta(days=20)) if d >= first]
    for day in days:
        for _ in range(2):  # two records on one day are one day at the school
            made = client.post("/api/activities", headers=r1, json={
                "kind": "visit", "title": "进校听课", "held_on": day.isoformat(), "school_id": rural1})
            assert made.status_code == 201, made.text
    assert err(client.post("/api/activities", headers=r1, json={
        "kind": "visit", "title": "进校", "held_on": today.isoformat(), "school_id": lead})) == (
        422, "not_contact_school")
    assert err(client.post("/api/activities", headers=t2, json={
        "kind": "visit", "title": "进校", "held_on": today.isoformat(), "school_id": rural1}))[0] == 403
    prep = client.post("/api/activities", headers=t2, json={
        "kind": "prep", "title": "集体备课", "held_on": today.isoformat(), "school_id": rural1,
        "attendee_ids": [demo["researcher1"]]})
    assert prep.status_code == 201, prep.text
    seminar = client.post("/api/activities", headers=r1, json={
        "kind": "seminar", "title": "片区研讨", "held_on": today.isoformat(), "school_id": rural1})
    assert seminar.status_code == 201
    observe(client, r1, new_lesson(client, t2, "整式加减"))
    # another subject outside the contact schools cannot be observed by the researcher, so it never counts
    outside = new_lesson(client, t1, "古诗两首", subject="语文", visibility="public")
    assert client.post(f"/api/lessons/{outside}/observations", headers=r1, json={}).status_code == 403
    # their own subject elsewhere in the zone counts as an observation, apart from the 蹲点 ones (seed 004)
    observe(client, r1, new_lesson(client, t1, "一元二次方程", visibility="public"))

    after = _me(client, r1)
    delta = {m["metric"]: m["done"] - metric(before, m["metric"])["done"] for m in after["metrics"]}
    assert delta["visit_days"] == len(days)
    assert delta["activities"] == 1 and delta["seminars"] == 1
    assert delta["contact_observations"] == 1 and delta["observations"] == 2
    split = metric(after, "observations")["detail"]
    before_split = metric(before, "observations")["detail"]
    assert (split["contact"] - before_split["contact"], split["elsewhere"] - before_split["elsewhere"]) == (1, 1)
    assert metric(after, "seminars")["met"] is True


def test_school_progress_subject_groups_and_who_sees_what(client, login, demo):
    admin, r1, head, t1 = login("admin"), login("researcher1"), login("head1"), login("teacher1")
    schools = {s["name"]: s["id"] for s in client.get("/api/schools", headers=admin).json()}
    lead = schools["城东实验小学"]
    # a researcher sees their contact school only; a school admin their own school
    seen = client.get("/api/quotas", headers=r1).json()
    assert [s["name"] for s in seen["schools"]] == ["青山乡中心小学"]
    assert [p["user_id"] for p in seen["people"]] == [demo["researcher1"]]
    assert client.get(f"/api/quotas/schools/{lead}", headers=r1).status_code == 404
    assert client.get(f"/api/quotas/people/{demo['teacher1']}", headers=r1).status_code == 404
    assert client.get(f"/api/quotas/people/{demo['teacher2']}", headers=r1).status_code == 200
    own = client.get("/api/quotas", headers=head).json()
    assert [s["school_id"] for s in own["schools"]] == [lead]
    school = own["schools"][0]
    by_user = {p["user_id"]: p for p in school["people"]}
    assert by_user[demo["head1"]]["audience"] == "school_leader"
    assert metric(by_user[demo["head1"]], "observations")["target"] == 30
    assert metric(by_user[demo["teacher1"]], "observations")["target"] == 25  # group leader
    assert school["people_total"] == 3
    # open lessons held this semester per subject group (future ones are not held yet)
    from datetime import UTC, datetime
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    new_lesson(client, t1, "公开课：函数", kind="open", scheduled_at=past)
    new_lesson(client, t1, "示范课：函数", kind="demonstration", scheduled_at=past)
    new_lesson(client, t1, "常态课", kind="ordinary", scheduled_at=past)
    groups = {g["subject"]: g for g in client.get(f"/api/quotas/schools/{lead}", headers=head).json()["subject_groups"]}
    assert groups["数学"]["metrics"][0]["done"] == 2 and groups["数学"]["metrics"][0]["target"] == 6
    assert groups["语文"]["metrics"][0]["done"] == 0
    # a teacher may not read another school's numbers; bad input is a clear 4xx
    assert client.get(f"/api/quotas/schools/{lead}", headers=t1).status_code == 404
    assert err(client.get("/api/quotas", headers=t1, params={"semester": "2026-2028-1"})) == (422, "bad_semester")
    assert client.get("/api/quotas", headers=t1, params={"semester": "spring"}).status_code == 422
    assert err(client.post("/api/quota-rules", headers=admin, json={
        "audience": "teacher", "metric": "visit_dayz", "target": 3})) == (422, "unknown_metric")
    assert err(client.post("/api/quota-rules", headers=admin, json={
        "audience": "teacher", "metric": "drop_in_share", "target": 3})) == (422, "share_out_of_range")
    assert err(client.post("/api/quota-rules", headers=admin, json={
        "audience": "teacher", "metric": "observations", "target": 3})) == (409, "rule_exists")
    assert err(client.post("/api/quota-rules", headers=t1, json={
        "audience": "teacher", "metric": "activities", "target": 3})) == (403, "forbidden")


def test_semester_boundaries_come_from_settings(client, login, demo, monkeypatch):
    monkeypatch.setenv("TINGKE_SEMESTER_STARTS", "03-01,09-01")
    reset_settings()
    assert semester_of(date(2026, 8, 31)) == "2025-2026-2"
    assert semester_of(date(2026, 9, 1)) == "2026-2027-1"
    assert semester_of(date(2027, 2, 28)) == "2026-2027-1"
    assert semester_bounds("2026-2027-1") == (date(2026, 9, 1), date(2027, 2, 28))
    assert semester_bounds("2025-2026-2") == (date(2026, 3, 1), date(2026, 8, 31))
    # an activity on the last day of a semester counts there, one on the next first day in the next semester
    admin, head = login("admin"), login("head1")
    assert client.post("/api/quota-rules", headers=admin, json={
        "audience": "school_leader", "metric": "activities", "target": 1}).status_code == 201
    lead = client.get("/api/auth/me", headers=head).json()["school_id"]
    today = district_today()
    term = semester_of(today)
    _, last = semester_bounds(term)
    nxt = semester_of(last + timedelta(days=1))
    for day in (last, last + timedelta(days=1)):
        made = client.post("/api/activities", headers=head, json={
            "kind": "themed", "title": "主题教研", "held_on": day.isoformat(), "school_id": lead})
        assert made.status_code == 201, made.text
    for semester in (term, nxt):
        assert metric(_me(client, head, semester), "activities")["done"] == 1
    previous = semester_of(semester_bounds(term)[0] - timedelta(days=1))
    assert metric(_me(client, head, previous), "activities")["done"] == 0
    listed = client.get("/api/quotas", headers=head, params={"semester": nxt}).json()
    assert listed["start"] == (last + timedelta(days=1)).isoformat()


def test_a_post_sets_whose_quota_applies(client, login, demo):
    head, t4, admin = login("head1"), login("teacher4"), login("admin")
    assert metric(_me(client, t4), "observations")["target"] == 15
    assert err(client.put(f"/api/users/{demo['teacher4']}/position", headers=t4,
                          json={"position": "school_leader"})) == (404, "not_found")
    assert err(client.put(f"/api/users/{demo['teacher2']}/position", headers=head,
                          json={"position": "group_leader"})) == (404, "not_found")  # another school
    assert client.put(f"/api/users/{demo['teacher4']}/position", headers=head,
                      json={"position": "chief"}).status_code == 422
    done = client.put(f"/api/users/{demo['teacher4']}/position", headers=head, json={"position": "group_leader"})
    assert done.json() == {"user_id": demo["teacher4"], "position": "group_leader"}
    assert metric(_me(client, t4), "observations")["target"] == 25
    assert err(client.put(f"/api/users/{demo['researcher1']}/position", headers=admin,
                          json={"position": "teacher"})) == (422, "not_school_staff")


def test_the_most_specific_rule_wins(client, login, demo):
    admin, t4 = login("admin"), login("teacher4")
    zone_id = client.get("/api/zones", headers=admin).json()[0]["id"]
    term = current_semester()

    def target() -> float:
        return metric(_me(client, t4), "observations")["target"]

    def rule(**scope: object) -> int:
        made = client.post("/api/quota-rules", headers=admin,
                           json={"audience": "teacher", "metric": "observations", **scope, "target": 10 + len(scope)
                                 + (5 if "zone_id" in scope else 0)})
        assert made.status_code == 201, made.text
        return int(made.json()["id"])

    assert target() == 15                      # district default
    other_term = rule(semester="2000-2001-1")  # another semester: ignored
    assert target() == 15
    term_rule = rule(semester=term)            # this semester, every zone
    assert target() == 11
    zone_rule = rule(zone_id=zone_id)          # this zone, every semester: more specific than a semester
    assert target() == 16
    rule(zone_id=zone_id, semester=term)       # both
    assert target() == 17
    assert other_term and term_rule and zone_rule
    assert client.delete(f"/api/quota-rules/{zone_rule}", headers=t4).status_code == 403
    assert client.delete(f"/api/quota-rules/{zone_rule}", headers=admin).status_code == 204
    assert target() == 17
