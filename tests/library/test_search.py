"""Library search: every 1-4 character substring is found, hits carry times, access rules hold.

Runs on SQLite (FTS5 over character bigrams) and PostgreSQL (tsvector of 1-4 character n-grams + pg_trgm).
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select, text

from api.access import can_read_observation, can_view_lesson, load_context
from models import (
    Community,
    Lesson,
    LessonKind,
    Note,
    Observation,
    School,
    SearchDoc,
    SearchLesson,
    TranscriptSegment,
    User,
    UserRole,
    Visibility,
)
from models.db import session_scope
from models.search_index import index_lesson, reindex_all
from models.search_tokens import TERMS_BUDGET

# lesson title → [(start, end, sentence)]
TRANSCRIPTS = {
    "勾股定理（示范课）": [
        (0.0, 6.5, "同学们好，今天我们一起探究勾股定理。"),
        (6.5, 14.0, "请大家先提问题，说说你在直角三角形里发现了什么。"),
        (14.0, 21.0, "看黑板，这是我们的板书：a的平方加b的平方等于c的平方。"),
        (21.0, 30.0, "等待3秒钟，再请一位同学回答。"),
    ],
    "双师课堂：圆的面积": [
        (0.0, 8.0, "今天我们研究圆的面积，先把圆平均分成十六份。"),
        (8.0, 15.0, "拼成一个近似的长方形，<注意>长和宽分别是多少？"),
    ],
    "《植物妈妈有办法》": [
        (0.0, 5.0, "小朋友们，我们先读一读课题。"),
        (40.0, 47.5, "这个环节我想谈谈课堂提问的方法，Reading aloud 也很重要。"),
    ],
    "一元一次方程（个人备课）": [  # private lesson of 青山乡中心小学
        (0.0, 9.0, "解方程的时候要注意提问学生，板书步骤要完整。"),
    ],
}
OUTSIDER_TRANSCRIPT = [(0.0, 7.0, "外校课堂：老师提问，学生回答圆的周长和勾股定理。")]


@pytest.fixture
def library(db_url, demo):
    """The demo lessons with transcripts, plus a lesson of a school in another community; all indexed."""
    with session_scope(db_url) as session:
        lessons = {lesson.title: lesson for lesson in session.scalars(select(Lesson))}
        for title, sentences in TRANSCRIPTS.items():
            for idx, (start, end, sentence) in enumerate(sentences):
                session.add(TranscriptSegment(lesson_id=lessons[title].id, idx=idx, start=start, end=end,
                                              text=sentence))
        school = School(name="远山中学")
        session.add(school)
        session.flush()
        session.add(Community(name="远山教研共同体", lead_school_id=school.id))
        teacher = User(username="outsider", display_name="孙老师", password_hash="x", role=UserRole.teacher,
                       school_id=school.id, subject="数学")
        session.add(teacher)
        session.flush()
        outsider = Lesson(title="外校常态课", topic="圆的周长", subject="数学", grade="六年级", teacher_id=teacher.id,
                          school_id=school.id, kind=LessonKind.ordinary, visibility=Visibility.community)
        session.add(outsider)
        session.flush()
        for idx, (start, end, sentence) in enumerate(OUTSIDER_TRANSCRIPT):
            session.add(TranscriptSegment(lesson_id=outsider.id, idx=idx, start=start, end=end, text=sentence))
        session.flush()
        reindex_all(session)
        ids = {title: lesson.id for title, lesson in lessons.items()}
        ids["外校常态课"] = outsider.id
        return ids


def _search(client, headers, q, **params):
    reply = client.get("/api/search", headers=headers, params={"q": q, "limit": 100, **params})
    assert reply.status_code == 200, reply.text
    return reply.json()


def _expected(db_url, username, words):
    """Brute force over the raw passages: visible lessons whose text contains every word."""
    with session_scope(db_url) as session:
        ctx = load_context(session, session.scalar(select(User).where(User.username == username)))
        unreadable = {note_id for note_id, obs in session.execute(
            select(Note.id, Observation).join(Observation, Observation.id == Note.observation_id))
            if not can_read_observation(ctx, obs)}  # the rule itself, not its SQL twin
        texts: dict[int, str] = {}
        for lesson_id, source, ref_id, passage in session.execute(
                select(SearchDoc.lesson_id, SearchDoc.source, SearchDoc.ref_id, SearchDoc.text)):
            if source == "note" and ref_id in unreadable:
                continue
            texts[lesson_id] = texts.get(lesson_id, "") + "\n" + passage.lower()
        visible = {lesson.id for lesson in session.scalars(select(Lesson)) if can_view_lesson(ctx, lesson)}
        return {i for i, t in texts.items() if i in visible and all(w in t for w in words)}


QUERIES = ["圆", "问", "板", "提问", "板书", "勾股", "方法", "提问题", "圆的面", "勾股定理", "课堂提问", "圆的面积",
           "提问 板书", "勾股 回答", "3秒", "reading", "数学 示范课"]


@pytest.mark.parametrize("user", ["teacher1", "teacher2"])
def test_every_lesson_containing_the_query_is_found(client, login, library, db_url, user):
    for q in QUERIES:
        found = {item["id"] for item in _search(client, login(user), q)["items"]}
        expected = _expected(db_url, user, [w.lower() for w in q.split()])
        assert found == expected, f"{user} searching {q!r}"


def test_substrings_of_words_are_found(client, login, library):
    h = login("teacher1")
    ids = lambda q: {item["id"] for item in _search(client, h, q)["items"]}  # noqa: E731
    assert {library["勾股定理（示范课）"], library["《植物妈妈有办法》"]} <= ids("提问")  # 提问题 and 课堂提问
    assert library["双师课堂：圆的面积"] in ids("圆")
    assert library["勾股定理（示范课）"] in ids("勾股")
    assert ids("提问题") == {library["勾股定理（示范课）"]}
    assert ids("不存在的词") == set()


def test_hits_carry_times_and_highlighted_snippets(client, login, library):
    page = _search(client, login("teacher1"), "提问题")
    (item,) = page["items"]
    assert item["title"] == "勾股定理（示范课）" and item["teacher"] == "陈老师" and item["school"] == "城东实验小学"
    (hit,) = [h for h in item["hits"] if h["source"] == "transcript"]
    assert (hit["t_start"], hit["t_end"]) == (6.5, 14.0)
    assert "<mark>提问题</mark>" in hit["snippet"]
    circle = _search(client, login("teacher1"), "长方形")["items"][0]
    snippet = circle["hits"][0]["snippet"]
    assert "&lt;注意&gt;" in snippet and "<mark>长方形</mark>" in snippet and "<注意>" not in snippet
    title_hit = _search(client, login("teacher1"), "勾股定理")["items"]
    demo = next(i for i in title_hit if i["id"] == library["勾股定理（示范课）"])
    sources = [h["source"] for h in demo["hits"]]
    assert "title" in sources and "transcript" in sources
    assert next(h for h in demo["hits"] if h["source"] == "transcript")["t_start"] == 0.0


def test_access_rules(client, login, library):
    private, outsider = library["一元一次方程（个人备课）"], library["外校常态课"]
    for q in ("提问", "板书", "解方程", "圆的周长", "外校"):
        seen = {item["id"] for item in _search(client, login("teacher1"), q)["items"]}
        assert private not in seen and outsider not in seen, q
    assert private in {item["id"] for item in _search(client, login("teacher2"), "解方程")["items"]}
    assert outsider not in {item["id"] for item in _search(client, login("researcher1"), "圆的周长")["items"]}
    assert client.get("/api/search", params={"q": "提问"}).status_code == 401


def test_filters(client, login, library):
    h = login("teacher1")
    everything = _search(client, h, "课")["items"]
    only_chinese = _search(client, h, "课", subject="语文")["items"]
    assert {library["《植物妈妈有办法》"], library["古诗二首·春晓"]} <= {i["id"] for i in only_chinese}
    assert [i["id"] for i in only_chinese] == [i["id"] for i in everything if i["subject"] == "语文"]
    assert len(only_chinese) < len(everything)
    demos = _search(client, h, "圆", kind="demonstration")["items"]
    assert [i["id"] for i in demos] == [library["双师课堂：圆的面积"]] and demos[0]["kind"] == "demonstration"
    assert _search(client, h, "圆", grade="一年级")["items"] == []
    paged = _search(client, h, "课", limit=1, offset=1)
    assert paged["total"] >= 3 and len(paged["items"]) == 1
    beyond = _search(client, h, "课", limit=5, offset=1000)
    assert beyond["items"] == [] and beyond["total"] == paged["total"] == len(everything)


def test_metadata_matches_rank_first(client, login, library):
    """A lesson that only mentions the words in its transcript comes after those with them in the title."""
    items = _search(client, login("admin"), "勾股定理")["items"]
    order = [i["id"] for i in items]
    titled = [n for n, i in enumerate(items) if "勾股定理" in i["title"]]
    assert titled and max(titled) < order.index(library["外校常态课"])
    assert items[0]["score"] > items[order.index(library["外校常态课"])]["score"]


def test_a_very_long_lesson_is_found_by_every_word(client, login, library, db_url):
    """Hours of talk: too many n-grams for one PostgreSQL vector, so only its bigrams are indexed (and a mark
    saying so) and its raw text is checked for longer words."""
    rng = random.Random(11)
    filler = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(TERMS_BUDGET // 12))
    lesson_id = library["双师课堂：圆的面积"]
    with session_scope(db_url) as session:
        session.add(TranscriptSegment(lesson_id=lesson_id, idx=2, start=15.0, end=3600.0,
                                      text=f"{filler}，一元二次方程的判别式。{filler[:50]}"))
        session.flush()
        index_lesson(session, lesson_id)
        if session.get_bind().dialect.name == "postgresql":
            assert session.scalar(text("SELECT tokens @@ '~'::tsquery FROM search_lessons WHERE lesson_id = :id"),
                                  {"id": lesson_id})
    h = login("teacher1")
    ids = lambda q: {item["id"] for item in _search(client, h, q)["items"]}  # noqa: E731
    for q in ("判别式", "方程的判", "一元二次方程", "圆的面积", filler[100:103], filler[200:204], "面积 判别式"):
        assert lesson_id in ids(q), q
    assert lesson_id not in ids("提问题") and lesson_id not in ids("判别式 提问题")


def test_bad_queries_get_clear_errors(client, login, library):
    h = login("teacher1")
    for params, code in (({"q": "！？…"}, "empty_query"), ({"q": "圆", "date_from": "2024-13-01"}, "invalid_input"),
                         ({"date_from": "2024-06-02", "date_to": "2024-06-01"}, "bad_dates"),
                         ({"q": "长" * 101}, "invalid_input"), ({"q": " ".join("abcdefghi")}, "too_many_words"),
                         ({"q": "圆", "tag": "charisma"}, "unknown_tag"), ({"q": "圆", "limit": 0}, "invalid_input"),
                         ({"q": "圆", "kind": "lecture"}, "invalid_input")):
        reply = client.get("/api/search", headers=h, params=params)
        assert reply.status_code == 422 and reply.json()["error"]["code"] == code, (params, reply.text)
    for params in ({}, {"q": ""}, {"q": "   "}):  # no words: browsing the recorded lessons
        assert client.get("/api/search", headers=h, params=params).status_code == 200, params


def test_submitted_notes_and_their_tags_are_searchable(client, login, library):
    r1 = login("researcher1")
    lesson = library["勾股定理（同课异构）"]  # 青山乡中心小学, researcher1's contact school
    oid = client.post(f"/api/lessons/{lesson}/observations", headers=r1, json={}).json()["id"]
    note = client.post(f"/api/observations/{oid}/notes", headers=r1,
                       json={"t": 125, "text": "教师提问后候答时间不足3秒"})
    assert note.status_code == 201 and note.json()["tags"][0] == "interaction"
    ids = lambda q, **kw: {i["id"] for i in _search(client, r1, q, **kw)["items"]}  # noqa: E731
    assert lesson not in ids("候答") and lesson not in ids("课", tag="interaction")  # a draft is private
    scores = {c: 8 for c in ("goals", "content", "process", "engagement", "interaction", "outcome", "teacher_skills")}
    client.patch(f"/api/observations/{oid}", headers=r1, json={"scores": scores})
    assert client.post(f"/api/observations/{oid}/submit", headers=r1).status_code == 200
    for reader in ("teacher2", "researcher1", "admin"):  # the observed teacher, the observer, an admin
        item = next(i for i in _search(client, login(reader), "候答")["items"] if i["id"] == lesson)
        assert [(h["source"], h["t_start"]) for h in item["hits"]] == [("note", 125.0)], reader
    assert lesson in ids("课", tag="interaction") and lesson not in ids("课", tag="outcome")
    assert lesson in ids("师生互动")  # the tag's name


def test_notes_a_reader_may_not_read_are_never_a_hit(client, login, library):
    """A peer who can see the lesson cannot read another observer's notes, so search must not show them:
    no snippet, and no lesson that matched only through those words."""
    r1 = login("researcher1")
    lesson = library["勾股定理（同课异构）"]
    oid = client.post(f"/api/lessons/{lesson}/observations", headers=r1, json={}).json()["id"]
    client.post(f"/api/observations/{oid}/notes", headers=r1, json={"t": 30, "text": "小组讨论流于形式，候答不足"})
    client.post(f"/api/observations/{oid}/notes", headers=r1, json={"t": 60, "text": "勾股定理的证明讲得清楚"})
    scores = {c: 8 for c in ("goals", "content", "process", "engagement", "interaction", "outcome", "teacher_skills")}
    client.patch(f"/api/observations/{oid}", headers=r1, json={"scores": scores})
    assert client.post(f"/api/observations/{oid}/submit", headers=r1).status_code == 200
    peer = login("teacher1")  # sees the lesson (same community), may not read researcher1's observation
    assert client.get(f"/api/lessons/{lesson}", headers=peer).status_code == 200
    assert lesson not in {i["id"] for i in _search(client, peer, "流于形式")["items"]}
    item = next(i for i in _search(client, peer, "勾股定理")["items"] if i["id"] == lesson)  # its title matches
    assert all(h["source"] != "note" for h in item["hits"]), item["hits"]
    assert "证明" not in str(item["hits"])
    own = next(i for i in _search(client, login("teacher2"), "流于形式")["items"] if i["id"] == lesson)
    assert [h["source"] for h in own["hits"]] == ["note"]


def test_lessons_are_indexed_when_created_and_edited(client, login, library):
    h = login("teacher1")
    created = client.post("/api/lessons", headers=h, json={"title": "分数的初步认识", "subject": "数学",
                                                            "grade": "三年级", "kind": "open"})
    assert created.status_code == 201, created.text
    lesson = created.json()["id"]
    assert [i["id"] for i in _search(client, h, "分数")["items"]] == [lesson]
    assert client.patch(f"/api/lessons/{lesson}", headers=h, json={"title": "小数的意义"}).status_code == 200
    assert _search(client, h, "分数")["items"] == []
    assert [i["id"] for i in _search(client, h, "小数")["items"]] == [lesson]


def test_reindexing_is_idempotent(library, db_url):
    def counts(session):
        rows = [session.scalar(select(func.count()).select_from(SearchDoc)),
                session.scalar(select(func.count()).select_from(SearchLesson))]
        if session.get_bind().dialect.name == "sqlite":
            rows.append(session.scalar(text("SELECT count(*) FROM search_fts")))
        return rows

    with session_scope(db_url) as session:
        before = counts(session)
        lesson_id = library["勾股定理（示范课）"]
        assert index_lesson(session, lesson_id) == index_lesson(session, lesson_id) > 4
        reindex_all(session)
        assert counts(session) == before
        assert before[0] > 0 and before[1] == session.scalar(select(func.count()).select_from(Lesson))
        assert index_lesson(session, 10**9) == 0
