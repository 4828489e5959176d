"""The administration API the pages use: the 1+X pairing by school year, people (edit, move, role, deactivate,
reset), school admins limited to their own school's teachers, rubric copies, clear refusals."""

from __future__ import annotations

from tests.conftest import sign_in
from tingke.semesters import current_school_year


def _err(reply) -> tuple[int, str]:
    return reply.status_code, reply.json()["error"]["code"]


def test_pairing_members_lead_and_school_year(client, login):
    admin = login("admin")
    zone = client.post("/api/zones", headers=admin, json={"name": "城南片区", "code": "chengnan"}).json()
    assert _err(client.post("/api/zones", headers=admin, json={"name": "重复", "code": "chengnan"})) == (
        409, "zone_code_taken")
    ids = [client.post("/api/schools", headers=admin, json={"name": n, "zone_id": zone["id"]}).json()["id"]
           for n in ("南一中", "南二小", "南三小")]
    assert _err(client.post("/api/schools", headers=admin, json={"name": "南一中"})) == (409, "school_name_taken")
    year = current_school_year()
    made = client.post("/api/communities", headers=admin, json={
        "name": "城南共同体", "zone_id": zone["id"], "lead_school_id": ids[0], "member_school_ids": [ids[1]],
        "school_year": year}).json()
    url = f"/api/communities/{made['id']}"
    added = client.patch(url, headers=admin, json={"add_school_ids": [ids[2]]}).json()
    assert added["member_school_ids"] == sorted(ids[1:])
    removed = client.patch(url, headers=admin, json={"remove_school_ids": [ids[1]]}).json()
    assert removed["member_school_ids"] == [ids[2]]
    led = client.patch(url, headers=admin, json={"lead_school_id": ids[2]}).json()
    assert led["lead_school_id"] == ids[2] and led["member_school_ids"] == []  # the new lead leaves the members
    assert _err(client.patch(url, headers=admin, json={"add_school_ids": [999999]})) == (422, "unknown_school")
    assert _err(client.patch(url, headers=admin, json={"school_year": "2026"}))[0] == 422
    nxt = f"{int(year[:4]) + 1}-{int(year[:4]) + 2}"
    copy = client.post(f"{url}/copy", headers=admin, params={"school_year": nxt})
    assert copy.status_code == 201 and copy.json()["school_year"] == nxt
    assert [c["id"] for c in client.get("/api/communities", headers=admin, params={"school_year": nxt}).json()] == [
        copy.json()["id"]]
    assert client.patch(url, headers=login("head1"), json={"add_school_ids": [ids[1]]}).status_code == 403
    assert client.patch("/api/communities/999999", headers=admin, json={}).status_code == 404


def test_next_years_pairing_does_not_open_this_years_lessons(client, login, demo):
    """Only this school year's pairing decides who sees a community's lessons."""
    admin, outsider_school = login("admin"), None
    outsider_school = client.post("/api/schools", headers=admin, json={"name": "远方小学"}).json()["id"]
    made = client.post("/api/users", headers=admin, json={
        "username": "yuan", "display_name": "远老师", "password": "long-enough-pw", "school_id": outsider_school})
    assert made.status_code == 201
    lesson = client.post("/api/lessons", headers=login("teacher1"), json={
        "title": "共同体课", "subject": "数学", "grade": "七年级", "kind": "ordinary"}).json()["id"]
    lead = client.get("/api/auth/me", headers=login("teacher1")).json()["school_id"]
    year = current_school_year()
    nxt = f"{int(year[:4]) + 1}-{int(year[:4]) + 2}"
    client.post("/api/communities", headers=admin, json={"name": "明年的结对", "lead_school_id": lead,
                                                         "member_school_ids": [outsider_school], "school_year": nxt})
    yuan = sign_in(client, "yuan", "long-enough-pw")
    assert client.get(f"/api/lessons/{lesson}", headers=yuan).status_code == 404
    client.post("/api/communities", headers=admin, json={"name": "今年的结对", "lead_school_id": lead,
                                                         "member_school_ids": [outsider_school], "school_year": year})
    assert client.get(f"/api/lessons/{lesson}", headers=yuan).status_code == 200


def test_people_rules_for_district_and_school_admins(client, login, demo):
    admin, head = login("admin"), login("head1")
    lead = client.get("/api/auth/me", headers=head).json()["school_id"]
    other = next(s["id"] for s in client.get("/api/schools", headers=admin).json() if s["id"] != lead)
    made = client.post("/api/users", headers=head, json={"display_name": "新老师", "employee_no": "H001",
                                                         "school_id": lead, "subject": "数学"})
    assert made.status_code == 201, made.text  # (409 username_taken had a refused attempt been stored)
    assert made.json()["username"] == "H001" and len(made.json()["one_time_password"]) == 12
    uid = made.json()["id"]
    assert _err(client.post("/api/users", headers=head, json={"display_name": "外校", "employee_no": "H002",
                                                               "school_id": other})) == (403, "forbidden")
    assert _err(client.post("/api/users", headers=head, json={"display_name": "校长", "employee_no": "H003",
                                                               "school_id": lead, "role": "school_admin"}))[0] == 403
    assert _err(client.post("/api/users", headers=admin, json={"display_name": "重复", "employee_no": "H001",
                                                                "username": "dup1", "school_id": lead})) == (
        409, "employee_no_taken")
    assert client.patch(f"/api/users/{uid}", headers=head, json={"grade": "七年级"}).json()["grade"] == "七年级"
    assert client.patch(f"/api/users/{uid}", headers=head, json={"school_id": other}).status_code == 403
    assert client.patch(f"/api/users/{uid}", headers=head, json={"role": "researcher"}).status_code == 403
    assert client.patch(f"/api/users/{demo['teacher2']}", headers=head, json={"grade": "x"}).status_code == 404
    assert client.patch(f"/api/users/{demo['teacher4']}", headers=head, json={"phone": "123"}).status_code == 422
    # the district office moves people; the moved teacher's sessions end (their rights changed)
    teacher4 = sign_in(client, "teacher4")
    moved = client.patch(f"/api/users/{demo['teacher4']}", headers=admin, json={"school_id": other})
    assert moved.status_code == 200 and moved.json()["school_id"] == other
    assert client.get("/api/auth/me", headers=teacher4).status_code == 401
    # deactivate: signed out at once, cannot sign in; reactivate
    teacher3 = sign_in(client, "teacher3")
    assert client.post(f"/api/users/{demo['teacher3']}/deactivate", headers=admin).json()["is_active"] is False
    assert client.get("/api/auth/me", headers=teacher3).status_code == 401
    refused = client.post("/api/auth/token", data={"username": "teacher3", "password": "tingke-demo"})
    assert _err(refused) == (403, "account_deactivated")  # said only to someone who knows the password
    client.post(f"/api/users/{demo['teacher3']}/reactivate", headers=admin)
    assert sign_in(client, "teacher3")
    assert _err(client.post(f"/api/users/{demo['admin']}/deactivate", headers=admin)) == (409, "cannot_deactivate_self")
    assert client.post(f"/api/users/{demo['admin']}/deactivate", headers=head).status_code == 404
    # a reset with a chosen password also requires a change at the next sign-in
    client.post(f"/api/users/{uid}/reset-password", headers=head, json={"password": "chosen-by-head"})
    fresh = sign_in(client, "H001", "chosen-by-head")
    assert client.get("/api/auth/me", headers=fresh).json()["must_change_password"] is True
    assert _err(client.get("/api/lessons", headers=fresh)) == (403, "password_change_required")
    assert _err(client.post("/api/auth/password", headers=fresh, json={
        "current_password": "wrong", "new_password": "another-password"})) == (403, "wrong_password")
    assert _err(client.post("/api/auth/password", headers=fresh, json={
        "current_password": "chosen-by-head", "new_password": "short"})) == (422, "weak_password")


def test_rubric_copy_edit_and_default(client, login, db_url):
    admin = login("admin")
    default = client.get("/api/rubrics", headers=admin).json()[0]
    assert default["is_default"] and len(default["dimensions"]) == 7
    copy = client.post(f"/api/rubrics/{default['id']}/copy", headers=admin).json()
    dims = [{k: d[k] for k in ("code", "name_zh", "name_en", "weight", "max_score", "descriptors")}
            for d in copy["dimensions"]]
    dims[0]["weight"] += 5
    assert _err(client.patch(f"/api/rubrics/{copy['id']}", headers=admin, json={"dimensions": dims}))[0] == 422
    dims[1]["weight"] -= 5
    edited = client.patch(f"/api/rubrics/{copy['id']}", headers=admin, json={"dimensions": dims, "is_default": True})
    assert edited.status_code == 200, edited.text
    assert edited.json()["is_default"] and edited.json()["dimensions"][0]["weight"] == dims[0]["weight"]
    assert [r["is_default"] for r in client.get("/api/rubrics", headers=admin).json()].count(True) == 1
    # scoring with it makes its dimensions final: an edit is refused with the way out
    lesson = client.post("/api/lessons", headers=login("teacher1"), json={
        "title": "量表课", "subject": "数学", "grade": "七年级", "kind": "ordinary"}).json()["id"]
    assert client.post(f"/api/lessons/{lesson}/observations", headers=login("teacher4"), json={}).status_code == 201
    assert _err(client.patch(f"/api/rubrics/{copy['id']}", headers=admin, json={"dimensions": dims})) == (
        409, "rubric_in_use")
    assert client.post(f"/api/rubrics/{copy['id']}/copy", headers=login("head1")).status_code == 403


def test_a_new_persons_password_follows_the_same_strength_rule(client, login, demo):
    """An admin who types a password for someone is held to the rule people are held to themselves."""
    admin = login("admin")
    school = client.get("/api/auth/me", headers=login("teacher1")).json()["school_id"]
    for weak in ("xin12345", "12345678", "password"):
        reply = client.post("/api/users", headers=admin, json={
            "username": "xin12345", "display_name": "新老师", "password": weak, "school_id": school})
        assert reply.status_code == 422 and reply.json()["error"]["code"] == "weak_password", (weak, reply.text)
    made = client.post("/api/users", headers=admin, json={
        "username": "xin12345", "display_name": "新老师", "password": "春风化雨-2026", "school_id": school})
    assert made.status_code == 201, made.text  # (409 username_taken had a refused attempt been stored)
