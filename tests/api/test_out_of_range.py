"""Numbers no column can hold are a clear 422 on both backends, whatever route they reach."""


def test_huge_ids_are_refused_cleanly(client, login, db_url):
    h = login("admin")
    huge = 2**70
    assert client.get(f"/api/lessons/{huge}", headers=h).status_code == 422
    reply = client.get("/api/lessons", params={"teacher": huge}, headers=h)
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "invalid_input"


def test_control_characters_never_reach_storage_or_exports(client, login):
    h = {**login("teacher1"), "content-type": "application/json"}
    body = '{"title": "\u5706\\u0000\u7684\\u0007\u9762\u79ef", "subject": "s", "grade": "g"}'
    made = client.post("/api/lessons", headers=h, content=body.encode())
    assert made.status_code == 201
    assert made.json()["title"] == "圆的面积"
    sheet = client.get(f"/api/lessons/{made.json()['id']}/report.xlsx", headers=h)
    assert sheet.status_code == 200
    lone_surrogate = '{"title": "x\\ud800", "subject": "s", "grade": "g"}'
    assert client.post("/api/lessons", headers=h, content=lone_surrogate.encode()).status_code == 422
