"""Query side of the library search: match, rank, filter by access, then cut highlighted snippets.

Matching is per lesson (all query words must occur somewhere in the lesson: its metadata, tags,
transcript or submitted notes), ranking too; hits are then looked up in the passages of the lessons on
the page only, so a one-character query matching every lesson stays cheap.

- SQLite: FTS5 over character bigrams (see models/search_tokens.py), ranked by bm25 with the
  metadata column weighted 4:1.
- PostgreSQL: 1-2 character words through the GIN-indexed bigram tsvector (trigrams cannot serve
  them), longer words through pg_trgm GIN indexes with ILIKE on the raw text; ranked by ts_rank on
  the tsvector (metadata weighted A, the rest D).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    TextClause,
    and_,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from api.access import AccessContext, visible_lessons_clause
from api.errors import APIError
from api.library.schemas import SearchHit, SearchPage, SearchResult
from models import Lesson, LessonKind, School, SearchDoc, SearchLesson, User
from models.search_index import TAG_NAMES
from models.search_tokens import (
    MAX_QUERY_WORDS,
    QueryWord,
    fts5_query,
    is_han,
    parse_query,
    tsquery,
    tsquery_run,
)

SEARCH_FTS = table("search_fts", column("rowid"))
TS_CONFIG: ColumnElement[str] = literal_column("'simple'::regconfig")
SNIPPET_CHARS = 80


@dataclass(frozen=True)
class SearchFilters:
    subject: str | None = None
    grade: str | None = None
    kind: LessonKind | None = None
    school: int | None = None
    tag: str | None = None


def parse(q: str) -> list[QueryWord]:
    words = parse_query(q)
    if not words:
        raise APIError(422, "empty_query", "Type at least one Chinese character, letter or digit to search for.")
    if len(words) > MAX_QUERY_WORDS:
        raise APIError(422, "too_many_words", f"Search for at most {MAX_QUERY_WORDS} words at a time.")
    return words


def _like(word: str) -> str:
    return f"%{word}%"  # words hold only Han characters, letters and digits: nothing to escape


def _has_letters(word: str) -> bool:
    return any("a" <= ch <= "z" for ch in word)


def _raw_text_contains(word: str) -> ColumnElement[bool]:
    """Substring test on the raw text (pg_trgm GIN-indexed on PostgreSQL); Han text has no case, so
    plain LIKE (cheaper than ILIKE) unless the word has letters."""
    if _has_letters(word):
        return or_(SearchLesson.meta.ilike(_like(word)), SearchLesson.body.ilike(_like(word)))
    return or_(SearchLesson.meta.like(_like(word)), SearchLesson.body.like(_like(word)))


def _sqlite_matches(words: list[QueryWord], scored: bool) -> Select[Any]:
    score = -func.bm25(literal_column("search_fts"), 4.0, 1.0)
    query = (
        select(Lesson.id, *([score.label("score")] if scored else []))
        .select_from(SEARCH_FTS)
        .join(Lesson, Lesson.id == SEARCH_FTS.c.rowid)
        .where(literal_column("search_fts").op("MATCH")(fts5_query(words)))
    )
    mixed = [w for w in words if not w.simple]  # e.g. "3秒": runs matched separately, check adjacency
    if mixed:
        query = query.join(SearchLesson, SearchLesson.lesson_id == Lesson.id).where(
            *[_raw_text_contains(w.text) for w in mixed])
    return query


def _pg_word(word: QueryWord) -> ColumnElement[bool]:
    run = word.parts[0]
    if word.simple and len(run) <= 2 and (is_han(run) or len(run) < 3):
        return SearchLesson.tokens.bool_op("@@")(func.to_tsquery(TS_CONFIG, tsquery_run(run)))
    return _raw_text_contains(word.text)


def _pg_matches(words: list[QueryWord], scored: bool) -> Select[Any]:
    score = func.ts_rank(SearchLesson.tokens, func.to_tsquery(TS_CONFIG, tsquery(words)))
    return (
        select(Lesson.id, *([score.label("score")] if scored else []))
        .select_from(SearchLesson)
        .join(Lesson, Lesson.id == SearchLesson.lesson_id)
        .where(*[_pg_word(w) for w in words])
    )


def _matches(session: Session, ctx: AccessContext, words: list[QueryWord], filters: SearchFilters,
             scored: bool) -> Select[Any]:
    dialect = session.get_bind().dialect.name
    query = _pg_matches(words, scored) if dialect == "postgresql" else _sqlite_matches(words, scored)
    query = query.where(visible_lessons_clause(ctx))
    for value, col in ((filters.subject, Lesson.subject), (filters.grade, Lesson.grade),
                       (filters.kind, Lesson.kind), (filters.school, Lesson.school_id)):
        if value is not None:
            query = query.where(col == value)
    if filters.tag is not None:
        if filters.tag not in TAG_NAMES:
            raise APIError(422, "unknown_tag", f"Unknown tag '{filters.tag}'. Known: {', '.join(TAG_NAMES)}.")
        query = query.where(exists().where(SearchDoc.lesson_id == Lesson.id, SearchDoc.source == "tag",
                                           SearchDoc.text == TAG_NAMES[filters.tag]))
    return query


def matching_lessons(session: Session, ctx: AccessContext, words: list[QueryWord], filters: SearchFilters,
                     limit: int, offset: int) -> tuple[list[tuple[int, float]], int]:
    """One page of (lesson id, score) of the visible lessons containing all words, best first, and how many
    there are. The database sorts and counts (counting skips the ranking function, which dominates); Core
    execution on the session's connection, as the ORM's row handling would cost more than the query."""
    ranked = (_matches(session, ctx, words, filters, scored=True)
              .order_by(literal_column("score").desc(), Lesson.id.desc()).limit(limit).offset(offset))
    connection = session.connection()
    pg = connection.dialect.name == "postgresql"
    if pg:
        # The planner prices a scan of search_lessons by its small main heap and ignores detoasting the
        # TOASTed text, so it picks a sequential (or primary-key) scan with LIKE on every body: ~15x slower
        # than the bitmap scans of the GIN indexes. Steer it for these queries only.
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        connection.execute(text("SET LOCAL enable_indexscan = off"))
    page = [(int(row[0]), float(row[1] or 0.0)) for row in connection.execute(ranked)]
    total = len(page)
    if offset > 0 or len(page) == limit:
        counted = select(func.count()).select_from(_matches(session, ctx, words, filters, scored=False).subquery())
        total = int(connection.execute(counted).scalar_one())
    if pg:  # back to normal for the rest of the transaction (a failure above rolls the settings back anyway)
        connection.execute(text("SET LOCAL enable_seqscan = on"))
        connection.execute(text("SET LOCAL enable_indexscan = on"))
    return page, total


@lru_cache(maxsize=64)
def _hits_sql(case_insensitive: tuple[bool, ...], per_lesson: int) -> TextClause:
    """Hits of the lessons on the page, best first per lesson: most query words, then metadata (no time),
    then by time. Plain SQL, built once per query shape: composing it per request costs more than running it.
    LIKE is already case-insensitive for ASCII on SQLite; on PostgreSQL words with letters use ILIKE."""
    conds = [f"text {'ILIKE' if ci else 'LIKE'} :w{i}" for i, ci in enumerate(case_insensitive)]
    matched = " + ".join(f"(CASE WHEN {c} THEN 1 ELSE 0 END)" for c in conds)
    sql = f"""
        SELECT lesson_id, source, t_start, t_end, text FROM (
            SELECT lesson_id, source, t_start, t_end, text, row_number() OVER (
                PARTITION BY lesson_id
                ORDER BY {matched} DESC, CASE WHEN t_start IS NULL THEN 0 ELSE 1 END, t_start, id) AS hit_rank
            FROM search_docs WHERE lesson_id IN :ids AND ({" OR ".join(conds)})
        ) ranked WHERE hit_rank <= {int(per_lesson)} ORDER BY lesson_id, hit_rank"""
    return text(sql).bindparams(bindparam("ids", expanding=True))


def lesson_hits(session: Session, lesson_ids: Sequence[int], words: list[QueryWord],
                per_lesson: int) -> dict[int, list[SearchHit]]:
    """The best passages of each lesson on the page, with highlighted snippets."""
    if not lesson_ids:
        return {}
    pg = session.get_bind().dialect.name == "postgresql"
    shape = tuple(pg and _has_letters(w.text) for w in words)
    params: dict[str, Any] = {f"w{i}": _like(w.text) for i, w in enumerate(words)}
    rows = session.connection().execute(_hits_sql(shape, per_lesson), {**params, "ids": list(lesson_ids)})
    hits: dict[int, list[SearchHit]] = {i: [] for i in lesson_ids}
    texts = [w.text for w in words]
    for lesson_id, source, t_start, t_end, passage in rows:
        hits[lesson_id].append(SearchHit(source=source, t_start=t_start, t_end=t_end,
                                         snippet=highlight(passage, texts)))
    return hits


def highlight(text: str, words: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """A window of ``text`` around its first match, HTML-escaped, each match wrapped in <mark>."""
    lowered = text.lower()
    folded = lowered if len(lowered) == len(text) else text
    spans: list[tuple[int, int]] = []
    for word in words:
        start = folded.find(word)
        while start >= 0 and word:
            spans.append((start, start + len(word)))
            start = folded.find(word, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    first = merged[0][0] if merged else 0
    begin = max(0, min(first - width // 4, len(text) - width))
    end = min(len(text), begin + width)
    out, pos = [], begin
    for s, e in merged:
        s, e = max(s, begin), min(e, end)
        if s >= e:
            continue
        out += [html.escape(text[pos:s]), "<mark>", html.escape(text[s:e]), "</mark>"]
        pos = e
    out.append(html.escape(text[pos:end]))
    return ("…" if begin > 0 else "") + "".join(out) + ("…" if end < len(text) else "")


def search(session: Session, ctx: AccessContext, q: str, filters: SearchFilters, limit: int, offset: int,
           hits_per_lesson: int = 3) -> SearchPage:
    words = parse(q)
    page, total = matching_lessons(session, ctx, words, filters, limit, offset)
    ids = [lesson_id for lesson_id, _ in page]
    lessons = {
        row.id: row for row in session.connection().execute(
            select(Lesson.id, Lesson.title, User.display_name.label("teacher"), School.name.label("school"),
                   Lesson.subject, Lesson.grade, Lesson.kind, Lesson.status)
            .join(User, User.id == Lesson.teacher_id).join(School, School.id == Lesson.school_id)
            .where(and_(Lesson.id.in_(ids)))
        )
    } if ids else {}
    hits = lesson_hits(session, ids, words, hits_per_lesson)
    items = [
        SearchResult(id=i, title=lessons[i].title, teacher=lessons[i].teacher, school=lessons[i].school,
                     subject=lessons[i].subject, grade=lessons[i].grade, kind=lessons[i].kind,
                     status=lessons[i].status, score=round(score, 4), hits=hits.get(i, []))
        for i, score in page if i in lessons
    ]
    return SearchPage(query=[w.text for w in words], items=items, total=total, limit=limit, offset=offset)
