"""Board and slide text in the library search, on SQLite and PostgreSQL: every 1-4 character piece of a line
is found, as the transcript is; a hit says it was written (source ``board``) and carries the time the line
first appeared, beside the hits of what was said; lessons a user may not see stay hidden."""

from __future__ import annotations

from sqlalchemy import select

from models import BoardTextLine, Lesson, TranscriptSegment
from models.db import session_scope
from models.search_index import reindex_all

BOARD = {  # lesson title → [(start, end, line)]
    "双师课堂：圆的面积": [(12.5, 95.0, "圆的面积公式：S=πr²"), (40.0, 95.0, "把圆平均分成十六份，拼成近似长方形"),
                        (96.0, 180.0, "板书小结：化曲为直")],
    "一元一次方程（个人备课）": [(5.0, 60.0, "移项要变号")],  # private lesson of 青山乡中心小学
}
SAID = {"双师课堂：圆的面积": [(3.0, 9.0, "今天我们一起推导面积公式。")]}


def _pieces(line: str) -> set[str]:
    han = [run for run in "".join(ch if "\u4e00" <= ch <= "\u9fff" else " " for ch in line).split()]
    return {run[i:i + n] for run in han for n in range(1, 5) for i in range(len(run) - n + 1)}


def _setup(db_url: str) -> dict[str, int]:
    with session_scope(db_url) as session:
        ids = {lesson.title: lesson.id for lesson in session.scalars(select(Lesson))}
        for title, lines in BOARD.items():
            for idx, (start, end, text) in enumerate(lines):
                session.add(BoardTextLine(lesson_id=ids[title], idx=idx, start=start, end=end, text=text, score=0.99,
                                          box=[0.1, 0.1 + idx / 10, 0.8, 0.15 + idx / 10]))
        for title, segments in SAID.items():
            for idx, (start, end, text) in enumerate(segments):
                session.add(TranscriptSegment(lesson_id=ids[title], idx=idx, start=start, end=end, text=text))
        session.flush()
        reindex_all(session)
    return ids


def _search(client, headers, q):
    reply = client.get("/api/search", headers=headers, params={"q": q, "limit": 100})
    assert reply.status_code == 200, reply.text
    return reply.json()["items"]


def test_every_short_piece_of_board_text_is_found_with_its_time(client, login, db_url):
    ids = _setup(db_url)
    lesson = ids["双师课堂：圆的面积"]
    h = login("teacher1")
    for start, _end, line in BOARD["双师课堂：圆的面积"]:
        for piece in sorted(_pieces(line)):
            assert lesson in {i["id"] for i in _search(client, h, piece)}, piece
        whole = max(line.replace("：", "，").split("，"), key=len)
        (item,) = [i for i in _search(client, h, whole) if i["id"] == lesson]
        assert ("board", start) in {(hit["source"], hit["t_start"]) for hit in item["hits"]}, (whole, item["hits"])
    assert lesson in {i["id"] for i in _search(client, h, "S=πr²")}  # the letters of a formula too


def test_a_hit_says_whether_the_words_were_said_or_written(client, login, db_url):
    ids = _setup(db_url)
    (item,) = [i for i in _search(client, login("teacher1"), "面积公式") if i["id"] == ids["双师课堂：圆的面积"]]
    timed = {(hit["source"], hit["t_start"]) for hit in item["hits"] if hit["t_start"] is not None}
    assert {("transcript", 3.0), ("board", 12.5)} <= timed, item["hits"]
    assert "<mark>面积公式</mark>" in next(h["snippet"] for h in item["hits"] if h["source"] == "board")


def test_board_text_of_a_lesson_one_may_not_see_is_not_found(client, login, db_url):
    ids = _setup(db_url)
    private = ids["一元一次方程（个人备课）"]
    assert private not in {i["id"] for i in _search(client, login("teacher1"), "移项要变号")}
    assert private in {i["id"] for i in _search(client, login("teacher2"), "移项要变号")}
    assert client.get(f"/api/lessons/{private}/board-text", headers=login("teacher1")).status_code == 404
    lines = client.get(f"/api/lessons/{private}/board-text", headers=login("teacher2")).json()["lines"]
    assert [(x["start"], x["text"]) for x in lines] == [(5.0, "移项要变号")]
