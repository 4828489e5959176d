"""The API's refusal to start an observation says why (api.access.observe_refusal), as the pages do."""

from __future__ import annotations


def test_the_api_says_why_it_refuses(client, login, demo) -> None:
    researcher = login("researcher1")  # 数学, 蹲点 at 青山乡中心小学
    lessons = client.get("/api/lessons", headers=researcher, params={"limit": 100}).json()["items"]
    chinese = next(x["id"] for x in lessons if x["title"] == "《植物妈妈有办法》")  # 语文 at 城东实验小学
    refused = client.post(f"/api/lessons/{chinese}/observations", headers=researcher, json={})
    assert refused.status_code == 403
    assert refused.json()["error"]["reason"] == "researcher_other_subject"
