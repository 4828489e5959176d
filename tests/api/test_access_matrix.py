"""Each endpoint × role × relation (own, same school, same community, other community, public)
against the expected status. The rules are in api/access.py; this table is their specification."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.auth.passwords import hash_password
from models import (
    Assignment,
    Community,
    Lesson,
    LessonKind,
    Locale,
    School,
    SchoolRole,
    User,
    UserRole,
    Visibility,
    Zone,
)
from models.db import session_scope
from tests.conftest import sign_in
from tingke.semesters import current_semester

# Lessons of the matrix:
#   A  teacher1's community lesson at the lead school
#   P  teacher1's private lesson
#   R  teacher2's community lesson at the first rural school (researcher1's contact school)
#   X  teacher5's public lesson in ANOTHER community and zone
#   Y  teacher5's community lesson in that other community
LESSONS = ["A", "P", "R", "X", "Y"]
#        relation of each user to the lesson owners is in the comment
USERS = ["admin", "teacher1", "teacher4", "teacher2", "head1", "researcher1", "researcher2", "teacher5", "outsider_r"]

VIEW = {  # GET /api/lessons/{id}, GET /api/lessons/{id}/report
    "admin":       dict(A=200, P=200, R=200, X=200, Y=200),
    "teacher1":    dict(A=200, P=200, R=200, X=200, Y=404),  # owner of A, P; same community as R
    "teacher4":    dict(A=200, P=404, R=200, X=200, Y=404),  # same school as teacher1
    "teacher2":    dict(A=200, P=404, R=200, X=200, Y=404),  # rural member school of the community
    "head1":       dict(A=200, P=200, R=200, X=200, Y=404),  # school admin of the lead school
    "researcher1": dict(A=200, P=404, R=200, X=200, Y=404),  # 数学; contact school R's, so zone 城东 in 数学
    "researcher2": dict(A=200, P=404, R=200, X=200, Y=404),  # assigned to the whole zone
    "teacher5":    dict(A=404, P=404, R=404, X=200, Y=200),  # other community
    "outsider_r":  dict(A=404, P=404, R=404, X=200, Y=404),  # researcher without an assignment
}
OBSERVE = {  # POST /api/lessons/{id}/observations
    "admin":       dict(A=201, P=201, R=201, X=201, Y=201),
    "teacher1":    dict(A=403, P=403, R=201, X=403, Y=404),
    "teacher4":    dict(A=201, P=404, R=201, X=403, Y=404),
    "teacher2":    dict(A=201, P=404, R=403, X=403, Y=404),
    "head1":       dict(A=201, P=201, R=201, X=403, Y=404),
    "researcher1": dict(A=201, P=404, R=201, X=403, Y=404),
    "researcher2": dict(A=201, P=404, R=201, X=403, Y=404),
    "teacher5":    dict(A=404, P=404, R=404, X=403, Y=403),
    "outsider_r":  dict(A=404, P=404, R=404, X=403, Y=404),
}
MANAGE = {  # PATCH /api/lessons/{id}
    "admin":       dict(A=200, P=200, R=200, X=200, Y=200),
    "teacher1":    dict(A=200, P=200, R=403, X=403, Y=404),
    "teacher4":    dict(A=403, P=404, R=403, X=403, Y=404),
    "teacher2":    dict(A=403, P=404, R=200, X=403, Y=404),
    "head1":       dict(A=200, P=200, R=403, X=403, Y=404),
    "researcher1": dict(A=403, P=404, R=403, X=403, Y=404),
    "researcher2": dict(A=403, P=404, R=403, X=403, Y=404),
    "teacher5":    dict(A=404, P=404, R=404, X=200, Y=200),
    "outsider_r":  dict(A=404, P=404, R=404, X=403, Y=404),
}


# 同课异构 groups, each made by its lesson's teacher around lessons A, P, R, X, Y (api.access.can_view_group,
# can_manage_group, can_host_on_group): a group is seen as the lesson it was made around, and also by whoever
# manages it (researcher2 is assigned to the demo zone as a whole, so the private P group too).
GROUP_VIEW = {user: {**row} for user, row in VIEW.items()} | {"researcher2": dict(A=200, P=200, R=200, X=200, Y=404)}
GROUP_POLL = {  # POST /api/polls on the group: its managers and the hosts of the lesson it was made around
    "admin":       dict(A=201, P=201, R=201, X=201, Y=201),
    "teacher1":    dict(A=201, P=201, R=403, X=403, Y=404),
    "teacher4":    dict(A=403, P=404, R=403, X=403, Y=404),
    "teacher2":    dict(A=403, P=404, R=201, X=403, Y=404),
    "head1":       dict(A=201, P=201, R=403, X=403, Y=404),
    "researcher1": dict(A=403, P=404, R=201, X=403, Y=404),  # sees A: 数学 in its zone (seed 004)
    "researcher2": dict(A=201, P=201, R=201, X=403, Y=404),
    "teacher5":    dict(A=404, P=404, R=404, X=201, Y=201),
    "outsider_r":  dict(A=404, P=404, R=404, X=403, Y=404),
}
OWNERS = {"A": "teacher1", "P": "teacher1", "R": "teacher2", "X": "teacher5", "Y": "teacher5"}


@pytest.fixture
def world(client: TestClient, db_url: str, demo: dict[str, int]) -> dict[str, int]:
    """The demo community plus another community in another zone; returns lesson key → id."""
    with session_scope(db_url) as s:
        zone = Zone(name="城西片区", code="chengxi")
        s.add(zone)
        s.flush()
        west = School(name="城西中学", zone_id=zone.id, role=SchoolRole.lead, locale=Locale.urban)
        s.add(west)
        s.flush()
        s.add(Community(name="城西共同体", zone_id=zone.id, lead_school_id=west.id))
        pw = hash_password("tingke-demo")
        t5 = User(username="teacher5", display_name="吴老师", password_hash=pw, role=UserRole.teacher,
                  school_id=west.id, subject="数学")
        outsider = User(username="outsider_r", display_name="孙研训", password_hash=pw, role=UserRole.researcher)
        s.add_all([t5, outsider])
        s.flush()
        users = {u.username: u for u in s.query(User)}

        def lesson(teacher: User, vis: Visibility) -> int:
            row = Lesson(title=f"{teacher.username}-{vis.value}", subject="数学", grade="七年级",
                         teacher_id=teacher.id, school_id=teacher.school_id, kind=LessonKind.ordinary,
                         visibility=vis)
            s.add(row)
            s.flush()
            return row.id

        return {
            "A": lesson(users["teacher1"], Visibility.community),
            "P": lesson(users["teacher1"], Visibility.private),
            "R": lesson(users["teacher2"], Visibility.community),
            "X": lesson(t5, Visibility.public),
            "Y": lesson(t5, Visibility.community),
        }


def _table(client: TestClient, world: dict[str, int], call) -> dict[str, dict[str, int]]:  # type: ignore[no-untyped-def]
    out = {}
    for user in USERS:
        headers = sign_in(client, user)
        out[user] = {key: call(headers, world[key]) for key in LESSONS}
    return out


def test_view_matrix(client, world):
    got = _table(client, world, lambda h, lid: client.get(f"/api/lessons/{lid}", headers=h).status_code)
    assert got == VIEW
    reports = _table(client, world, lambda h, lid: client.get(f"/api/lessons/{lid}/report", headers=h).status_code)
    assert reports == VIEW


def test_lists_show_exactly_the_visible_lessons(client, world):
    for user in USERS:
        headers = sign_in(client, user)
        listed = {x["id"] for x in client.get("/api/lessons", headers=headers, params={"limit": 200}).json()["items"]}
        visible = {world[k] for k, status in VIEW[user].items() if status == 200}
        assert listed & set(world.values()) == visible, user


def test_observe_matrix(client, world):
    got = _table(client, world, lambda h, lid: client.post(
        f"/api/lessons/{lid}/observations", headers=h, json={}).status_code)
    assert got == OBSERVE


def test_manage_matrix(client, world):
    got = _table(client, world, lambda h, lid: client.patch(
        f"/api/lessons/{lid}", headers=h, json={"topic": "改"}).status_code)
    assert got == MANAGE


def test_observations_are_private_until_submitted(client, world):
    observer = sign_in(client, "researcher2")
    oid = client.post(f"/api/lessons/{world['A']}/observations", headers=observer, json={}).json()["id"]
    teacher, colleague = sign_in(client, "teacher1"), sign_in(client, "teacher4")
    assert client.get(f"/api/observations/{oid}", headers=teacher).status_code == 404
    scores = {c: 8 for c in ("goals", "content", "process", "engagement", "interaction", "outcome", "teacher_skills")}
    client.patch(f"/api/observations/{oid}", headers=observer, json={"scores": scores})
    assert client.post(f"/api/observations/{oid}/submit", headers=observer).status_code == 200
    assert client.get(f"/api/observations/{oid}", headers=teacher).status_code == 200
    assert client.get(f"/api/observations/{oid}", headers=sign_in(client, "head1")).status_code == 200
    assert client.get(f"/api/observations/{oid}", headers=colleague).status_code == 404
    assert client.get(f"/api/observations/{oid}", headers=sign_in(client, "teacher5")).status_code == 404


def test_admin_only_endpoints(client, world):
    body = {"username": "newbie", "display_name": "新老师", "password": "long-enough-pw", "school_id": None,
            "role": "researcher"}
    for user, expected in (("teacher1", 403), ("head1", 403), ("researcher1", 403), ("admin", 201)):
        assert client.post("/api/users", headers=sign_in(client, user), json=body).status_code == expected, user
    assert client.post("/api/users", headers=sign_in(client, "admin"), json=body).status_code == 409
    assert client.get("/api/users", headers=sign_in(client, "teacher1")).status_code == 403
    assert client.get("/api/users", headers=sign_in(client, "head1")).status_code == 200


def test_board_text_is_shown_to_exactly_those_who_see_the_transcript(client, world, db_url):
    """The board and slide text (板书/课件) follows the lesson's view rule, as the transcript does."""
    from models import BoardTextLine, TranscriptSegment

    with session_scope(db_url) as s:
        for key in LESSONS:
            s.add(BoardTextLine(lesson_id=world[key], idx=0, start=4.0, end=30.0, text=f"板书{key}", score=0.99,
                                box=[0.1, 0.1, 0.5, 0.2]))
            s.add(TranscriptSegment(lesson_id=world[key], idx=0, start=1.0, end=3.0, text=f"实录{key}"))

    def statuses(headers: dict[str, str], lid: int) -> int:
        """The board text's status, checked to be the transcript's; its lines when it may be read."""
        reply = client.get(f"/api/lessons/{lid}/board-text", headers=headers)
        assert reply.status_code == client.get(f"/api/lessons/{lid}/transcript", headers=headers).status_code
        if reply.status_code == 200:
            key = next(k for k, v in world.items() if v == lid)
            assert [x["text"] for x in reply.json()["lines"]] == [f"板书{key}"]
        return reply.status_code

    assert _table(client, world, statuses) == VIEW
    assert client.get(f"/api/lessons/{world['A']}/board-text").status_code == 401


def _chinese_lesson(db_url: str, demo: dict[str, int]) -> int:
    """A public 语文 示范课 of teacher1 at the lead school (researcher1 is 数学)."""
    with session_scope(db_url) as s:
        teacher1 = s.get(User, demo["teacher1"])
        assert teacher1 is not None
        chinese = Lesson(title="语文示范课", subject="语文", grade="三年级", teacher_id=teacher1.id,
                         school_id=teacher1.school_id, kind=LessonKind.demonstration, visibility=Visibility.public)
        s.add(chinese)
        s.flush()
        return chinese.id


def test_researcher_scope_follows_the_seeds(client, world, db_url, demo):
    """Seed 003 part 8 / seed 004: a researcher observes any lesson of their subject in their zone(s); drop-in
    observation applies to their contact schools; a zone assignment may name its subject."""
    chinese_id = _chinese_lesson(db_url, demo)
    with session_scope(db_url) as s:
        zone_id = s.query(Zone).filter_by(code="chengdong").one().id
        outsider = s.query(User).filter_by(username="outsider_r").one()
        outsider.subject = "数学"
        s.add(Assignment(researcher_id=outsider.id, zone_id=zone_id, subject="语文", semester=current_semester()))
    demo_lesson = 1  # teacher1's public 勾股定理 示范课 at the lead school: researcher1 is 数学, contact school rural1
    r1, zoned = sign_in(client, "researcher1"), sign_in(client, "outsider_r")
    assert client.post(f"/api/lessons/{demo_lesson}/observations", headers=r1, json={}).status_code == 201
    # another subject in the same zone: watch, not score; the lesson page says why
    refused = client.post(f"/api/lessons/{chinese_id}/observations", headers=r1, json={})
    assert refused.status_code == 403
    # drop-in observation only at the contact school
    drop_in = client.post(f"/api/lessons/{world['A']}/observations", headers=r1, json={"drop_in": True})
    assert (drop_in.status_code, drop_in.json()["error"]["code"]) == (403, "drop_in_contact_only")
    assert client.post(f"/api/lessons/{world['R']}/observations", headers=r1, json={"drop_in": True}).status_code == 201
    # a zone assignment's own subject wins over the researcher's: 语文 in 城东, not 数学
    assert client.post(f"/api/lessons/{chinese_id}/observations", headers=zoned, json={}).status_code == 201
    assert client.post(f"/api/lessons/{demo_lesson}/observations", headers=zoned, json={}).status_code == 403
    assert client.post(f"/api/lessons/{world['A']}/observations", headers=zoned, json={}).status_code == 403
    assert client.get(f"/api/lessons/{world['A']}", headers=zoned).status_code == 200  # the zone's lessons are seen


def test_lesson_page_says_why_a_researcher_may_not_score(client, world, db_url, demo):
    chinese_id = _chinese_lesson(db_url, demo)
    client.post("/api/auth/session", data={"username": "researcher1", "password": "tingke-demo"})
    page = client.get(f"/lessons/{chinese_id}")
    assert page.status_code == 200
    assert 'id="observe-why"' in page.text and "不是您负责的学科" in page.text
    assert client.get(f"/lessons/{chinese_id}/observe").status_code == 403
    assert 'id="observe-link"' in client.get("/lessons/1").text


def test_group_matrix(client, world):
    groups = {}
    for key, owner in OWNERS.items():
        made = client.post("/api/lesson-groups", headers=sign_in(client, owner), json={
            "topic": f"组-{key}", "subject": "数学", "grade": "七年级", "lesson_ids": [world[key]]})
        assert made.status_code == 201, made.text
        groups[key] = made.json()["id"]
    got = _table(client, groups, lambda h, gid: client.get(f"/api/lesson-groups/{gid}", headers=h).status_code)
    assert got == GROUP_VIEW
    question = [{"kind": "rating", "prompt": "总体评分"}]
    got = _table(client, groups, lambda h, gid: client.post(
        "/api/polls", headers=h, json={"title": "组问卷", "group_id": gid, "questions": question}).status_code)
    assert got == GROUP_POLL
