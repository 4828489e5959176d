"""The fixtures give a migrated database with the demo community on both backends."""


def test_demo_users_can_sign_in(client, login, demo):
    reply = client.get("/api/auth/me", headers=login("teacher1"))
    assert reply.status_code == 200
    assert reply.json()["username"] == "teacher1"
    assert set(demo) >= {"admin", "researcher1", "researcher2", "teacher1", "teacher2", "teacher3"}


def test_demo_lessons_are_searchable(client, login, demo):
    reply = client.get("/api/search", params={"q": "勾股"}, headers=login("teacher1"))
    assert reply.status_code == 200
    assert any("勾股定理" in item["title"] for item in reply.json()["items"]), reply.json()
