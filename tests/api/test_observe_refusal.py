"""Why someone may not observe a lesson (api.access.observe_refusal) agrees with the rule itself
(can_observe) for every user and lesson of the demo world, plus an outsider."""

from __future__ import annotations

from sqlalchemy import select

from api.access import OBSERVE_REFUSALS, can_observe, load_context, observe_refusal
from models import Lesson, User
from models.db import session_scope
from tests.web.conftest import make_outsider


def test_the_reason_agrees_with_the_rule_for_everyone(db_url: str, demo: dict[str, int]) -> None:
    make_outsider(db_url)
    seen: dict[str, int] = {}
    with session_scope(db_url) as session:
        lessons = list(session.scalars(select(Lesson)))
        for user in session.scalars(select(User)):
            ctx = load_context(session, user)
            for lesson in lessons:
                reason = observe_refusal(ctx, lesson)
                assert (reason is None) == can_observe(ctx, lesson), (user.username, lesson.title, reason)
                assert reason is None or reason in OBSERVE_REFUSALS
                seen[str(reason)] = seen.get(str(reason), 0) + 1
        by_title = {lesson.title: lesson for lesson in lessons}
        names = {u.username: u for u in session.scalars(select(User))}

        def why(username: str, title: str) -> str | None:
            return observe_refusal(load_context(session, names[username]), by_title[title])

        # the case: researcher1 is the 蹲点 researcher of 青山乡中心小学, not of 城东实验小学
        assert why("researcher1", "勾股定理（示范课）") == "researcher_not_assigned"
        assert why("researcher1", "勾股定理（同课异构）") is None
        assert why("teacher1", "勾股定理（示范课）") == "own_lesson"
        assert why("teacher1", "一元一次方程（个人备课）") == "not_visible"  # teacher2's private lesson
        assert why("outsider", "勾股定理（示范课）") == "outside_community"  # public: may watch, not observe
    assert set(seen) == {"None", *OBSERVE_REFUSALS}, seen


def test_the_api_says_why_it_refuses(client, login, demo) -> None:
    lessons = client.get("/api/lessons", headers=login("researcher1"), params={"limit": 100}).json()["items"]
    public = next(x["id"] for x in lessons if x["title"] == "勾股定理（示范课）")
    refused = client.post(f"/api/lessons/{public}/observations", headers=login("researcher1"), json={})
    assert refused.status_code == 403
    assert refused.json()["error"]["reason"] == "researcher_not_assigned"

