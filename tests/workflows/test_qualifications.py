"""课改合格课: who assesses whom, the deciding observation, random re-checks that revoke, pass rates."""

from __future__ import annotations

from models import StaffPosition, User
from models.db import session_scope
from tests.workflows.conftest import BOTH_DATABASES
from tests.workflows.helpers import LOW, err, new_lesson, observe


def _rate(client, headers, school_id):
    rates = client.get("/api/qualifications/pass-rates", headers=headers, params={"school_id": school_id}).json()
    assert len(rates) == 1
    return rates[0]


@BOTH_DATABASES
def test_assess_recheck_revoke_and_pass_rate(client, login, demo):
    head, t1, t4 = login("head1"), login("teacher1"), login("teacher4")
    lead = client.get("/api/auth/me", headers=head).json()["school_id"]
    # the demo: teacher4 passed (assessed by head1); staff of the lead school: head1, teacher1, teacher4
    start = _rate(client, head, lead)
    assert (start["staff"], start["qualified"]) == (3, 1)
    assert start["rate"] == round(1 / 3, 4)

    # head1 assesses teacher1 (a group leader: school level) with their own submitted observation
    decided = observe(client, head, new_lesson(client, t1, "课改合格课：函数"))
    passed = client.post("/api/qualifications", headers=head,
                         json={"teacher_id": demo["teacher1"], "observation_id": decided, "passed": True})
    assert passed.status_code == 201, passed.text
    q = passed.json()
    assert (q["level"], q["status"], q["observation_id"]) == ("school", "passed", decided)
    assert q["observation_total"] is not None and q["assessed_by_name"] == "赵校长"
    assert _rate(client, head, lead)["qualified"] == 2
    assert err(client.post("/api/qualifications", headers=head, json={
        "teacher_id": demo["teacher1"], "observation_id": decided, "passed": True})) == (409, "already_qualified")

    # a random re-check of the school's standing passes (seeded, recorded) ...
    drawn = client.post("/api/qualification-checks", headers=head, json={"school_id": lead, "count": 5})
    assert drawn.status_code == 201, drawn.text
    checks = {c["teacher_id"]: c for c in drawn.json()}
    assert set(checks) == {demo["teacher1"], demo["teacher4"]} and all(c["seed"] for c in checks.values())
    assert err(client.post("/api/qualification-checks", headers=head, json={"school_id": lead})) == (
        409, "nothing_to_recheck")  # both have an open re-check
    # ... needs a new observation of the person's lesson: the deciding one is too old
    check = checks[demo["teacher1"]]
    assert err(client.post(f"/api/qualification-checks/{check['id']}/result", headers=head,
                           json={"observation_id": decided, "passed": False})) == (422, "observation_too_old")
    recheck = observe(client, head, new_lesson(client, t1, "随机检查：方程"), scores=LOW)
    result = client.post(f"/api/qualification-checks/{check['id']}/result", headers=head,
                         json={"observation_id": recheck, "passed": False, "notes": "未达到课改合格课评价标准"})
    assert result.status_code == 200, result.text
    assert result.json()["passed"] is False
    revoked = client.get(f"/api/qualifications/{q['id']}", headers=head).json()
    assert revoked["status"] == "revoked" and revoked["revoked_at"] is not None
    assert revoked["checks"][0]["observation_id"] == recheck
    assert _rate(client, head, lead)["qualified"] == 1
    assert err(client.post(f"/api/qualification-checks/{check['id']}/result", headers=head,
                           json={"observation_id": recheck, "passed": True})) == (409, "already_checked")
    # a passed re-check keeps the pass
    other = checks[demo["teacher4"]]
    fresh = observe(client, head, new_lesson(client, t4, "随机检查：识字", subject="语文"))
    assert client.post(f"/api/qualification-checks/{other['id']}/result", headers=head,
                       json={"observation_id": fresh, "passed": True}).status_code == 200
    assert _rate(client, head, lead)["qualified"] == 1
    # after the revocation teacher1 is assessed again
    again = observe(client, head, new_lesson(client, t1, "再次考核：不等式"))
    assert client.post("/api/qualifications", headers=head, json={
        "teacher_id": demo["teacher1"], "observation_id": again, "passed": True}).status_code == 201
    assert _rate(client, head, lead)["qualified"] == 2
    # the teacher sees their own school's rate and their own qualification, not others'
    mine = client.get("/api/qualifications", headers=t1).json()
    assert {x["teacher_id"] for x in mine} == {demo["teacher1"]}
    assert _rate(client, t1, lead)["qualified"] == 2


def test_levels_decide_the_assessor(client, login, demo, db_url):
    head, t1, t2, r1, r2, admin = (login(u) for u in ("head1", "teacher1", "teacher2", "researcher1", "researcher2",
                                                       "admin"))
    # a teacher's lesson is the school's to assess: not a researcher's, not a colleague's
    lesson = new_lesson(client, t2, "合格课：整式")
    by_r1 = observe(client, r1, lesson)
    assert err(client.post("/api/qualifications", headers=r1, json={
        "teacher_id": demo["teacher2"], "observation_id": by_r1, "passed": True})) == (403, "forbidden")
    by_t1 = observe(client, t1, lesson)
    assert err(client.post("/api/qualifications", headers=t1, json={
        "teacher_id": demo["teacher2"], "observation_id": by_t1, "passed": True})) == (403, "forbidden")
    # a middle leader's is the zone centre's (researcher2 is assigned to the zone); a school leader's the county's
    with session_scope(db_url) as session:
        teacher = session.get(User, demo["teacher1"])
        assert teacher is not None
        teacher.position = StaffPosition.middle_leader
    zone_lesson = new_lesson(client, t1, "中层合格课")
    by_head = observe(client, head, zone_lesson)
    assert err(client.post("/api/qualifications", headers=head, json={
        "teacher_id": demo["teacher1"], "observation_id": by_head, "passed": True})) == (403, "forbidden")
    by_r2 = observe(client, r2, zone_lesson)
    made = client.post("/api/qualifications", headers=r2, json={
        "teacher_id": demo["teacher1"], "observation_id": by_r2, "passed": False})
    assert made.status_code == 201, made.text
    assert (made.json()["level"], made.json()["status"]) == ("zone", "failed")
    leader_lesson = new_lesson(client, head, "校长合格课")
    by_r2_head = observe(client, r2, leader_lesson)
    assert err(client.post("/api/qualifications", headers=r2, json={
        "teacher_id": demo["head1"], "observation_id": by_r2_head, "passed": True})) == (403, "forbidden")
    # the deciding observation must be the assessor's own, submitted, of this person's lesson
    assert err(client.post("/api/qualifications", headers=admin, json={
        "teacher_id": demo["head1"], "observation_id": by_r2_head, "passed": True})) == (422, "not_your_observation")
    draft = observe(client, admin, leader_lesson, submit=False)
    assert err(client.post("/api/qualifications", headers=admin, json={
        "teacher_id": demo["head1"], "observation_id": draft, "passed": True})) == (422, "not_submitted")
    assert err(client.post("/api/qualifications", headers=r2, json={
        "teacher_id": demo["teacher2"], "observation_id": by_r2, "passed": True}))[0] in (403, 422)
    assert err(client.post("/api/qualifications", headers=admin, json={
        "teacher_id": demo["researcher1"], "observation_id": draft, "passed": True})) == (422, "not_school_staff")
    assert client.post("/api/qualifications", headers=admin, json={
        "teacher_id": 0, "observation_id": draft, "passed": True}).status_code == 422
    # a teacher cannot draw re-checks
    assert err(client.post("/api/qualification-checks", headers=t1, json={})) == (403, "forbidden")
