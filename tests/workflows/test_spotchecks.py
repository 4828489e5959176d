"""Spot-check draws: only eligible teachers, reproducible from the recorded seed, audited, notified, scheduled."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from api.spotchecks.draw import age_on, pick
from models import SpotCheckDraw, User
from models.db import session_scope
from models.notifications import Notification
from tests.workflows.conftest import BOTH_DATABASES
from tests.workflows.helpers import err
from tingke.timezone import today as district_today  # the district's date, not the machine's


def test_age_rule_is_completed_years():
    assert age_on(date(1991, 6, 2), date(2026, 6, 1)) == 34
    assert age_on(date(1991, 6, 2), date(2026, 6, 2)) == 35
    assert age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25


def test_pick_is_a_pure_function_of_seed_and_list():
    eligible = [7, 3, 11, 5]
    assert pick("abc", eligible) == pick("abc", [3, 5, 7, 11])  # the order given does not matter
    seen = Counter(pick(f"seed-{i}", eligible) for i in range(4000))
    assert set(seen) == set(eligible)
    assert all(800 < n < 1200 for n in seen.values()), seen  # about 1000 each: no favourite


@BOTH_DATABASES
def test_draw_respects_age_and_exclusions_and_is_reproducible(client, login, demo, db_url):
    admin = login("admin")
    tomorrow = district_today() + timedelta(days=1)
    first = client.post("/api/spotchecks", headers=admin, json={})
    assert first.status_code == 201, first.text
    drawn = first.json()
    young = {demo["teacher1"], demo["teacher2"], demo["teacher4"]}  # demo ages 32, 27, 30; teacher3 is 47
    assert set(drawn["eligible_ids"]) == young
    assert drawn["excluded"] == {str(demo["teacher3"]): "too_old"}
    assert drawn["chosen"]["id"] in young and drawn["lesson_date"] == tomorrow.isoformat()
    assert drawn["drawn_by"]["id"] == demo["admin"] and drawn["params"]["max_age"] == 35
    assert pick(drawn["seed"], drawn["eligible_ids"]) == drawn["chosen"]["id"]
    verified = client.get(f"/api/spotchecks/{drawn['id']}/verify", headers=admin).json()
    assert verified["reproduced"] is True and verified["recomputed_chosen_id"] == drawn["chosen"]["id"]

    # the lesson is scheduled for the next day as a spot-check, the teacher and their school's admin are told
    lesson = client.get(f"/api/lessons/{drawn['lesson_id']}", headers=admin).json()
    assert lesson["kind"] == "spot_check" and lesson["teacher_id"] == drawn["chosen"]["id"]
    assert lesson["scheduled_at"].startswith(tomorrow.isoformat())
    with session_scope(db_url) as session:
        told = {n.user_id: n for n in session.scalars(select(Notification).where(Notification.kind == "spot_check"))}
        chosen = session.get(User, drawn["chosen"]["id"])
        assert chosen is not None
        assert drawn["chosen"]["id"] in told and told[drawn["chosen"]["id"]].link == f"/lessons/{lesson['id']}"
        if chosen.school_id == session.get(User, demo["head1"]).school_id:  # type: ignore[union-attr]
            assert demo["head1"] in told

    # drawn recently → excluded next time; on leave → excluded; nobody left → a clear 409
    on_leave = sorted(young - {drawn["chosen"]["id"]})[:1]
    second = client.post("/api/spotchecks", headers=admin, json={"on_leave_user_ids": on_leave}).json()
    assert second["excluded"][str(drawn["chosen"]["id"])] == "drawn_recently"
    assert second["excluded"][str(on_leave[0])] == "on_leave"
    assert second["eligible_ids"] == sorted(young - {drawn["chosen"]["id"], on_leave[0]})
    assert second["chosen"]["id"] == second["eligible_ids"][0]
    third = client.post("/api/spotchecks", headers=admin, json={})
    assert third.status_code == 201
    assert err(client.post("/api/spotchecks", headers=admin, json={})) == (409, "no_eligible_teacher")
    # a record tampered with afterwards (the chosen teacher taken out of the list) no longer reproduces
    with session_scope(db_url) as session:
        row = session.get(SpotCheckDraw, drawn["id"])
        assert row is not None
        row.eligible_ids = [i for i in row.eligible_ids if i != drawn["chosen"]["id"]]
    tampered = client.get(f"/api/spotchecks/{drawn['id']}/verify", headers=admin).json()
    assert tampered["reproduced"] is False and tampered["recomputed_chosen_id"] != drawn["chosen"]["id"]
    # with the exclusion window set to 0 weeks everyone young is eligible again
    again = client.post("/api/spotchecks", headers=admin, json={"exclude_weeks": 0}).json()
    assert set(again["eligible_ids"]) == young


def test_age_boundary_and_missing_birth_date(client, login, demo, db_url):
    admin = login("admin")
    lesson_day = district_today() + timedelta(days=2)
    with session_scope(db_url) as session:
        t1, t2 = session.get(User, demo["teacher1"]), session.get(User, demo["teacher2"])
        assert t1 is not None and t2 is not None
        t1.birth_date = date(lesson_day.year - 35, lesson_day.month, lesson_day.day)  # 35 on the day: too old
        t2.birth_date = None
    drawn = client.post("/api/spotchecks", headers=admin, json={"lesson_date": lesson_day.isoformat()}).json()
    assert drawn["excluded"][str(demo["teacher1"])] == "too_old"
    assert drawn["excluded"][str(demo["teacher2"])] == "no_birth_date"
    assert drawn["eligible_ids"] == [demo["teacher4"]] and drawn["chosen"]["id"] == demo["teacher4"]


def test_who_may_draw_and_bad_input(client, login, demo):
    t1, r1 = login("teacher1"), login("researcher1")
    assert err(client.post("/api/spotchecks", headers=t1, json={})) == (403, "forbidden")
    # a researcher draws among the teachers of their contact school only
    mine = client.post("/api/spotchecks", headers=r1, json={})
    assert mine.status_code == 201, mine.text
    assert mine.json()["eligible_ids"] == [demo["teacher2"]]
    lead = client.get("/api/auth/me", headers=t1).json()["school_id"]
    assert err(client.post("/api/spotchecks", headers=r1, json={"school_ids": [lead]})) == (403, "forbidden")
    today = district_today().isoformat()
    assert err(client.post("/api/spotchecks", headers=r1, json={"lesson_date": today})) == (422, "date_not_ahead")
    far = (district_today() + timedelta(days=400)).isoformat()
    assert err(client.post("/api/spotchecks", headers=r1, json={"lesson_date": far})) == (422, "date_too_far")
    assert client.post("/api/spotchecks", headers=r1, json={"exclude_weeks": -1}).status_code == 422
    assert client.post("/api/spotchecks", headers=r1, json={"seed": "mine"}).status_code == 422  # never chosen
    # the chosen teacher sees their draw; another school's teacher does not
    draw_id = mine.json()["id"]
    assert client.get(f"/api/spotchecks/{draw_id}", headers=login("teacher2")).status_code == 200
    assert client.get(f"/api/spotchecks/{draw_id}", headers=t1).status_code == 404
    assert client.get("/api/spotchecks", headers=t1).json()["total"] == 0
