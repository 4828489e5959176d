"""The API's refusal to start an observation says why (api.access.observe_refusal), as the pages do."""

from __future__ import annotations

from tests.api.test_access_matrix import _chinese_lesson as public_chinese_lesson  # researcher1 teaches 数学


def test_the_api_says_why_it_refuses(client, login, demo, db_url) -> None:
    lesson = public_chinese_lesson(db_url, demo)
    refused = client.post(f"/api/lessons/{lesson}/observations", headers=login("researcher1"), json={})
    assert refused.status_code == 403
    assert refused.json()["error"]["reason"] == "researcher_other_subject"
