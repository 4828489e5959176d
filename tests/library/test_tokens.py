"""The bigram transform, the PostgreSQL n-gram lexemes, query parsing and snippet highlighting (no database)."""

from __future__ import annotations

from api.library.service import highlight
from models.search_tokens import (
    PARTIAL,
    SALIENT,
    TERMS_BUDGET,
    Check,
    bigram_tokens,
    fold,
    fts5_query,
    parse_query,
    pg_terms,
    pg_word,
)


def test_every_character_starts_a_token():
    assert bigram_tokens("课堂提问，Reading 3秒") == "课堂 堂提 提问 问 reading 3 秒"
    assert bigram_tokens("圆") == "圆"
    tokens = bigram_tokens("勾股定理").split()
    assert {t[0] for t in tokens} == set("勾股定理")


def test_queries_by_length():
    assert fts5_query(parse_query("圆")) == '"圆"*'
    assert fts5_query(parse_query("提问")) == '"提问"'
    assert fts5_query(parse_query("勾股定理 板书")) == '"勾股 股定 定理" AND "板书"'
    words = parse_query("提问，提问  3秒 Read!")
    assert [w.text for w in words] == ["提问", "3秒", "read"]
    assert [w.simple for w in words] == [True, False, True]
    assert parse_query("？！…  ") == []


def test_every_substring_of_up_to_four_characters_is_a_lexeme():
    text = "课堂提问，Reading 3秒钟"
    terms = set(pg_terms("勾股定理", text))
    for run in ("勾股定理", "课堂提问", "秒钟"):
        assert {run[i:i + n] for n in range(1, 5) for i in range(len(run) - n + 1)} <= terms
    assert {"reading", "3"} <= terms and "Reading" not in terms
    assert "提问秒" not in terms and "问r" not in terms  # nothing across punctuation or scripts
    assert not {t for t in terms if t.startswith(SALIENT)}  # nothing is said three times
    said = set(pg_terms("", "小组合作。小组合作，小组合作！"))
    assert {SALIENT + "小组合作", SALIENT + "组合", SALIENT + "小组"} <= said and SALIENT + "小" not in said


def test_a_lesson_too_long_for_one_vector_keeps_its_bigrams_and_is_marked():
    import random

    rng = random.Random(7)
    body = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(TERMS_BUDGET // 12))
    terms = pg_terms("圆的面积", body)
    assert PARTIAL in terms and "圆的面积" not in terms and {"圆的", "面积", body[:2], body[-1]} <= set(terms)
    assert sum(len(t.encode()) for t in terms) < 1024 * 1024
    assert PARTIAL not in pg_terms("圆的面积", body[:1000])


def test_how_words_are_looked_up_on_postgresql():
    one, two, four, six = (pg_word(w) for w in parse_query("圆 提问 课堂提问 一元二次方程"))
    assert (one.match, one.check, one.salient) == ("'圆'", Check.NEVER, None)
    assert (two.match, two.check, two.salient) == ("'提问'", Check.NEVER, "'+提问'")
    assert (four.match, four.check) == ("('课堂提问') | '~'", Check.PARTIAL)
    assert six.match == "('一元二次' & '元二次方' & '二次方程') | '~'" and six.check is Check.ALWAYS
    short, long, mixed = (pg_word(w) for w in parse_query("ab reading 3秒钟"))
    assert (short.match, short.check) == ("'ab':*", Check.NEVER)
    assert (long.match, long.check) == (None, Check.ALWAYS)
    assert (mixed.match, mixed.check) == ("('秒钟')", Check.ALWAYS)
    assert fold("Reading ÄÖ 课堂") == "reading ÄÖ 课堂"  # ASCII letters only


def test_snippets_are_escaped_and_marked():
    assert highlight("a<b>提问题</b>", ["提问"]) == "a&lt;b&gt;<mark>提问</mark>题&lt;/b&gt;"
    assert highlight("课堂提问", ["课堂", "堂提"]) == "<mark>课堂提</mark>问"
    long = "开头" * 40 + "勾股定理" + "结尾" * 40
    snippet = highlight(long, ["勾股"], width=30)
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>勾股</mark>" in snippet
    assert highlight("Reading aloud", ["reading"]) == "<mark>Reading</mark> aloud"
