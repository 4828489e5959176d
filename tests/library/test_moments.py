"""Search shows every moment a word was said, apart from title and topic hits, and the library can be
browsed without words: by subject, grade, kind and day (the district's), newest first, with thumbnails.

Runs on SQLite and PostgreSQL. The lesson of the field report: 圆的面积 in its title and topic and said at
00:00, 00:22, 00:43 and 01:00; the search listed only 00:00, as the title and topic hits took the slots.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from models import Lesson, LessonKind, LessonStatus, TranscriptSegment
from models.db import session_scope
from models.search_index import index_lesson

SAID_AT = (0.0, 22.0, 43.0, 60.0)


def _lesson_with_moments(db_url: str) -> int:
    with session_scope(db_url) as session:
        lesson = session.scalars(select(Lesson).where(Lesson.title == "双师课堂：圆的面积")).one()
        lesson.topic = "圆的面积（第一课时）"
        for idx, start in enumerate(SAID_AT):
            session.add(TranscriptSegment(lesson_id=lesson.id, idx=idx, start=start, end=start + 5,
                                          text=f"第{idx + 1}次：我们来算圆的面积。"))
            session.add(TranscriptSegment(lesson_id=lesson.id, idx=10 + idx, start=start + 6, end=start + 10,
                                          text="请同学们拿出练习本。"))
        session.flush()
        index_lesson(session, lesson.id)
        return lesson.id


def test_every_moment_the_words_were_said_is_a_hit(client, login, db_url, demo):
    lesson_id = _lesson_with_moments(db_url)
    reply = client.get("/api/search", headers=login("teacher1"), params={"q": "圆的面积"})
    assert reply.status_code == 200, reply.text
    item = next(i for i in reply.json()["items"] if i["id"] == lesson_id)
    timed = [h["t_start"] for h in item["hits"] if h["t_start"] is not None]
    assert timed == list(SAID_AT), item["hits"]
    assert item["moments"] == len(SAID_AT)
    assert {h["source"] for h in item["hits"] if h["t_start"] is None} <= {"title", "topic"}
    assert all("<mark>圆的面积</mark>" in h["snippet"] for h in item["hits"])


def test_the_library_is_browsed_without_words(client, login, db_url, demo):
    with session_scope(db_url) as session:
        lessons = {lesson.title: lesson for lesson in session.scalars(select(Lesson))}
        demo_lesson, circle = lessons["勾股定理（示范课）"], lessons["双师课堂：圆的面积"]
        # 00:30 on 1 June in Shanghai is still 31 May in UTC: the day is the district's
        demo_lesson.scheduled_at = datetime(2024, 5, 31, 16, 30, tzinfo=UTC)
        circle.scheduled_at = datetime(2024, 6, 3, 2, 0, tzinfo=UTC)
        for lesson in (demo_lesson, circle):
            lesson.status = LessonStatus.ready
        ids = {"demo": demo_lesson.id, "circle": circle.id}
        kinds = {"demo": demo_lesson.kind, "circle": circle.kind}
    h = login("teacher1")

    def found(**params: str) -> list[int]:
        reply = client.get("/api/search", headers=h, params=params)
        assert reply.status_code == 200, reply.text
        assert reply.json()["query"] == []
        return [i["id"] for i in reply.json()["items"]]

    everything = found()
    assert everything[:2] == [ids["circle"], ids["demo"]]  # only lessons with a recording, newest first
    with session_scope(db_url) as session:
        ready = set(session.scalars(select(Lesson.id).where(Lesson.status == LessonStatus.ready)))
    assert set(everything) <= ready
    assert found(date_from="2024-06-01", date_to="2024-06-01") == [ids["demo"]]
    assert found(date_from="2024-06-02") == [ids["circle"]]
    assert found(kind=kinds["demo"].value, date_to="2024-06-02") == [ids["demo"]]
    assert kinds["demo"] == LessonKind.demonstration
    assert ids["demo"] in found(subject="数学", grade="八年级")
    assert found(q="", subject="数学", date_from="2024-06-01")[:2] == [ids["circle"], ids["demo"]]
