"""The bigram transform, query parsing and snippet highlighting (no database)."""

from __future__ import annotations

from api.library.service import highlight
from models.search_tokens import bigram_tokens, fts5_query, parse_query, tsquery


def test_every_character_starts_a_token():
    assert bigram_tokens("课堂提问，Reading 3秒") == "课堂 堂提 提问 问 reading 3 秒"
    assert bigram_tokens("圆") == "圆"
    tokens = bigram_tokens("勾股定理").split()
    assert {t[0] for t in tokens} == set("勾股定理")


def test_queries_by_length():
    assert fts5_query(parse_query("圆")) == '"圆"*'
    assert fts5_query(parse_query("提问")) == '"提问"'
    assert fts5_query(parse_query("勾股定理 板书")) == '"勾股 股定 定理" AND "板书"'
    assert tsquery(parse_query("圆 提问题")) == "(圆:*) & (提问 & 问题)"
    words = parse_query("提问，提问  3秒 Read!")
    assert [w.text for w in words] == ["提问", "3秒", "read"]
    assert [w.simple for w in words] == [True, False, True]
    assert parse_query("？！…  ") == []


def test_snippets_are_escaped_and_marked():
    assert highlight("a<b>提问题</b>", ["提问"]) == "a&lt;b&gt;<mark>提问</mark>题&lt;/b&gt;"
    assert highlight("课堂提问", ["课堂", "堂提"]) == "<mark>课堂提</mark>问"
    long = "开头" * 40 + "勾股定理" + "结尾" * 40
    snippet = highlight(long, ["勾股"], width=30)
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>勾股</mark>" in snippet
    assert highlight("Reading aloud", ["reading"]) == "<mark>Reading</mark> aloud"
