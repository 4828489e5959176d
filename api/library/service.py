"""Query side of the library search: match, rank, filter by access, then cut highlighted snippets.

Matching is per lesson (all query words must occur somewhere in the lesson: its metadata, tags,
transcript or submitted notes), ranking too; hits are then looked up in the passages of the lessons on
the page only, so a one-character query matching every lesson stays cheap.

- SQLite: FTS5 over character bigrams (see models/search_tokens.py), ranked by bm25 with the
  metadata column weighted 4:1.
- PostgreSQL: a GIN-indexed tsvector of every 1-4 character n-gram (see models/search_tokens.py):
  a 1-4 character word is one lexeme, so matching and counting never read the TOASTed rows, even when a
  word is in every lesson; longer words and ASCII substrings are then checked against the raw text
  (pg_trgm-indexed). Ranked from small data only: a word in the metadata counts 2, a word said at least
  ``SALIENT_TF`` times (a ``+`` marker lexeme, looked up in the index) counts 1, scaled to 0..1.
  ts_rank would read the whole vector of every match (~100 ms for 5,000 matches).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    TextClause,
    and_,
    bindparam,
    case,
    cast,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from api.access import AccessContext, readable_observations_clause, visible_lessons_clause
from api.errors import APIError
from api.library.schemas import SearchHit, SearchPage, SearchResult
from api.media.service import thumbnail_urls
from models import (
    Lesson,
    LessonKind,
    LessonStatus,
    Note,
    Observation,
    School,
    SearchDoc,
    SearchLesson,
    User,
)
from models.search_index import TAG_NAMES
from models.search_tokens import (
    MAX_QUERY_WORDS,
    PARTIAL,
    Check,
    QueryWord,
    fts5_query,
    parse_query,
    pg_word,
)
from tingke.timezone import day_window

SEARCH_FTS = table("search_fts", column("rowid"))
TERMS = SearchLesson.__table__.alias("terms")  # search_lessons again, in subqueries of lesson ids
SNIPPET_CHARS = 80
META_HITS = 2  # hits in the title, topic, teacher …: one or two say why the lesson matched
MOMENTS = 100  # timed hits per lesson: every moment the words were said (a long lesson's common word: the first 100)


@dataclass(frozen=True)
class SearchFilters:
    subject: str | None = None
    grade: str | None = None
    kind: LessonKind | None = None
    school: int | None = None
    tag: str | None = None
    date_from: date | None = None  # days in the district's time zone, both included
    date_to: date | None = None


def _filtered(query: Select[Any], filters: SearchFilters) -> Select[Any]:
    """The lesson filters every library query shares (subject, grade, kind, school, date, note tag)."""
    for value, col in ((filters.subject, Lesson.subject), (filters.grade, Lesson.grade),
                       (filters.kind, Lesson.kind), (filters.school, Lesson.school_id)):
        if value is not None:
            query = query.where(col == value)
    if filters.date_from is not None or filters.date_to is not None:
        first, last = filters.date_from or date.min, filters.date_to or date.max
        if first > last:
            raise APIError(422, "bad_dates", "The first day comes after the last day. 开始日期晚于结束日期。")
        if filters.date_from is not None:
            query = query.where(Lesson.scheduled_at >= day_window(first, first)[0].astimezone(UTC))
        if filters.date_to is not None:
            query = query.where(Lesson.scheduled_at <= day_window(last, last)[1].astimezone(UTC))
    if filters.tag is not None:
        if filters.tag not in TAG_NAMES:
            raise APIError(422, "unknown_tag", f"Unknown tag '{filters.tag}'. Known: {', '.join(TAG_NAMES)}.")
        query = query.where(exists().where(SearchDoc.lesson_id == Lesson.id, SearchDoc.source == "tag",
                                           SearchDoc.text == TAG_NAMES[filters.tag]))
    return query


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
    """Substring test on the raw text (pg_trgm GIN-indexed on PostgreSQL). It is stored with ASCII letters
    lower-cased and words are lower-case, so plain LIKE: ILIKE would lower-case every row it reads."""
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


def _has_terms(query: str) -> ColumnElement[bool]:
    return SearchLesson.tokens.bool_op("@@")(cast(literal(query), TSQUERY))


def _lessons_having(query: str) -> Select[Any]:
    """Ids of the lessons whose vector matches ``query``: a bitmap scan of the GIN index, no row is read."""
    return select(TERMS.c.lesson_id).where(TERMS.c.tokens.bool_op("@@")(cast(literal(query), TSQUERY)))


def _pg_matches(words: list[QueryWord], scored: bool) -> Select[Any]:
    looked_up = [(w, pg_word(w)) for w in words]
    conds: list[ColumnElement[bool]] = []
    matches = [f"({p.match})" for _, p in looked_up if p.match]
    if matches:  # one GIN scan for all the words
        conds.append(_has_terms(" & ".join(matches)))
    for word, p in looked_up:
        if p.check is Check.ALWAYS:
            conds.append(_raw_text_contains(word.text))
        elif p.check is Check.PARTIAL:  # OR stops at the first true: the raw text is read for PARTIAL lessons only
            conds.append(or_(SearchLesson.lesson_id.not_in(_lessons_having(f"'{PARTIAL}'")),
                             _raw_text_contains(word.text)))
    query = select(Lesson.id).select_from(SearchLesson).join(Lesson, Lesson.id == SearchLesson.lesson_id)
    if scored:
        points: ColumnElement[float] = literal(0.0)
        for word, p in looked_up:
            points = points + case((SearchLesson.meta.like(_like(word.text)), 2.0), else_=0.0)
            if p.salient:
                points = points + case((SearchLesson.lesson_id.in_(_lessons_having(p.salient)), 1.0), else_=0.0)
        query = query.add_columns((points / (3.0 * len(words))).label("score"))
    return query.where(*conds)


def _matches(session: Session, ctx: AccessContext, words: list[QueryWord], filters: SearchFilters,
             scored: bool) -> Select[Any]:
    dialect = session.get_bind().dialect.name
    query = _pg_matches(words, scored) if dialect == "postgresql" else _sqlite_matches(words, scored)
    return _filtered(query.where(visible_lessons_clause(ctx)), filters)


def matching_lessons(session: Session, ctx: AccessContext, words: list[QueryWord], filters: SearchFilters,
                     limit: int, offset: int) -> tuple[list[tuple[int, float]], int]:
    """One page of (lesson id, score) of the visible lessons containing all words, best first, and how many
    there are. The database sorts and counts: on PostgreSQL in the same query (a window), so matching runs
    once even where it reads raw text; on SQLite (no window over bm25) by a second query without ranking.
    Core execution on the session's connection, as the ORM's row handling would cost more than the query."""
    connection = session.connection()
    pg = connection.dialect.name == "postgresql"
    ranked = _matches(session, ctx, words, filters, scored=True)
    if pg:
        ranked = ranked.add_columns(func.count().over().label("total"))
    ranked = ranked.order_by(literal_column("score").desc(), Lesson.id.desc()).limit(limit).offset(offset)
    saved: Sequence[Any] = ()
    if pg:
        # The planner prices a scan of search_lessons by its small main heap and ignores detoasting the
        # TOASTed vector and text, so it picks a sequential (or primary-key) scan testing every row: ~15x
        # slower than the bitmap scans of the GIN indexes. Steer it for these queries only; the disabled
        # paths' made-up costs would also trigger JIT compilation (tens of ms), so no JIT either.
        saved = connection.execute(text(
            "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan'), current_setting('jit')"
        )).one()
        _set_local(connection, ("off", "off", "off"))
    rows = connection.execute(ranked).all()
    page = [(int(row[0]), float(row[1] or 0.0)) for row in rows]
    if pg and rows:
        total = int(rows[0][2])
    elif offset == 0 and len(rows) < limit:
        total = len(rows)
    else:  # SQLite, or past the last page on PostgreSQL (no row carried the count)
        counted = select(func.count()).select_from(_matches(session, ctx, words, filters, scored=False).subquery())
        total = int(connection.execute(counted).scalar_one())
    if pg:  # back as before for the rest of the transaction (a failure above rolls the settings back anyway)
        _set_local(connection, tuple(saved))
    return page, total


def _set_local(connection: Connection, values: Sequence[str]) -> None:
    connection.execute(text("SELECT set_config('enable_seqscan', :s, true), set_config('enable_indexscan', :i, true), "
                            "set_config('jit', :j, true)"), {"s": values[0], "i": values[1], "j": values[2]})


@lru_cache(maxsize=64)
def _hits_sql(case_insensitive: tuple[bool, ...]) -> TextClause:
    """Hits of the lessons on the page: up to ``:meta`` metadata hits (no time) and, apart from them, up to
    ``:moments`` timed hits (transcript, notes), so a title match never hides a moment the words were said.
    Timed hits are picked by most query words, then by time, and listed by time; each row carries how many
    hits of its kind the lesson has. Plain SQL, built once per query shape: composing it per request costs
    more than running it. LIKE is already case-insensitive for ASCII on SQLite; on PostgreSQL words with
    letters use ILIKE."""
    conds = [f"text {'ILIKE' if ci else 'LIKE'} :w{i}" for i, ci in enumerate(case_insensitive)]
    matched = " + ".join(f"(CASE WHEN {c} THEN 1 ELSE 0 END)" for c in conds)
    timed = "CASE WHEN t_start IS NULL THEN 0 ELSE 1 END"
    sql = f"""
        SELECT lesson_id, source, t_start, t_end, text, kind_total FROM (
            SELECT lesson_id, source, t_start, t_end, text, id, {timed} AS timed, row_number() OVER (
                PARTITION BY lesson_id, {timed} ORDER BY {matched} DESC, t_start, id) AS hit_rank,
                count(*) OVER (PARTITION BY lesson_id, {timed}) AS kind_total
            FROM search_docs WHERE lesson_id IN :ids AND ({" OR ".join(conds)})
                AND NOT (source = 'note' AND ref_id IN :hidden)
        ) ranked WHERE hit_rank <= CASE WHEN timed = 0 THEN :meta ELSE :moments END
        ORDER BY lesson_id, timed, t_start, id"""
    return text(sql).bindparams(bindparam("ids", expanding=True), bindparam("hidden", expanding=True))


def hidden_notes(session: Session, ctx: AccessContext, lesson_ids: Sequence[int]) -> list[int]:
    """Ids of the submitted notes of these lessons that ``ctx`` may not read (another observer's, unless the
    reader is the lesson's teacher, its school's admin, an assigned researcher or an admin): their words
    are indexed with the lesson, so hits on them must be left out for this reader."""
    if not lesson_ids:
        return []
    return list(session.scalars(
        select(Note.id).join(Observation, Observation.id == Note.observation_id)
        .join(Lesson, Lesson.id == Observation.lesson_id)
        .where(Observation.lesson_id.in_(lesson_ids), ~readable_observations_clause(ctx))))


def _said_visibly(session: Session, lesson_ids: Sequence[int], words: list[QueryWord],
                  hidden: Sequence[int]) -> set[int]:
    """The lessons among ``lesson_ids`` where every word occurs in a passage other than a hidden note."""
    found = set(lesson_ids)
    for word in words:
        if not found:
            break
        found &= set(session.scalars(
            select(SearchDoc.lesson_id).distinct()
            .where(SearchDoc.lesson_id.in_(found), SearchDoc.text.ilike(_like(word.text)),
                   ~and_(SearchDoc.source == "note", SearchDoc.ref_id.in_(hidden)))))
    return found


def lesson_hits(session: Session, lesson_ids: Sequence[int], words: list[QueryWord], meta: int = META_HITS,
                moments: int = MOMENTS, hidden: Sequence[int] = ()
                ) -> tuple[dict[int, list[SearchHit]], dict[int, int]]:
    """The matching passages of each lesson on the page, with highlighted snippets, and how many timed
    moments each lesson has in all; notes in ``hidden`` are never a hit."""
    if not lesson_ids:
        return {}, {}
    pg = session.get_bind().dialect.name == "postgresql"
    shape = tuple(pg and _has_letters(w.text) for w in words)
    params: dict[str, Any] = {f"w{i}": _like(w.text) for i, w in enumerate(words)}
    rows = session.connection().execute(_hits_sql(shape), {**params, "ids": list(lesson_ids), "meta": meta,
                                                          "moments": moments, "hidden": list(hidden) or [-1]})
    hits: dict[int, list[SearchHit]] = {i: [] for i in lesson_ids}
    counts: dict[int, int] = dict.fromkeys(lesson_ids, 0)
    texts = [w.text for w in words]
    for lesson_id, source, t_start, t_end, passage, kind_total in rows:
        hits[lesson_id].append(SearchHit(source=source, t_start=t_start, t_end=t_end,
                                         snippet=highlight(passage, texts)))
        if t_start is not None:
            counts[lesson_id] = int(kind_total)
    return hits, counts


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


def _lesson_rows(session: Session, ids: Sequence[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {row.id: row for row in session.connection().execute(
        select(Lesson.id, Lesson.title, User.display_name.label("teacher"), School.name.label("school"),
               Lesson.subject, Lesson.grade, Lesson.kind, Lesson.status, Lesson.scheduled_at,
               Lesson.media_duration_seconds)
        .join(User, User.id == Lesson.teacher_id).join(School, School.id == Lesson.school_id)
        .where(and_(Lesson.id.in_(ids))))}


def _results(session: Session, ctx: AccessContext, page: Sequence[tuple[int, float]],
             hits: dict[int, list[SearchHit]], moments: dict[int, int]) -> list[SearchResult]:
    ids = [lesson_id for lesson_id, _ in page]
    lessons = _lesson_rows(session, ids)
    thumbs = thumbnail_urls(session, ids, viewer=ctx.user.id)
    return [
        SearchResult(id=i, title=lessons[i].title, teacher=lessons[i].teacher, school=lessons[i].school,
                     subject=lessons[i].subject, grade=lessons[i].grade, kind=lessons[i].kind,
                     status=lessons[i].status, score=round(score, 4), hits=hits.get(i, []),
                     moments=moments.get(i, 0), thumbnail=thumbs.get(i), scheduled_at=lessons[i].scheduled_at,
                     duration_seconds=lessons[i].media_duration_seconds)
        for i, score in page if i in lessons
    ]


def browse(session: Session, ctx: AccessContext, filters: SearchFilters, limit: int, offset: int) -> SearchPage:
    """The recorded lessons (ready to play) that match the filters, newest first: the library without typing."""
    query = _filtered(select(Lesson.id).where(visible_lessons_clause(ctx), Lesson.status == LessonStatus.ready),
                      filters)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    ids = session.scalars(query.order_by(Lesson.scheduled_at.desc().nulls_last(), Lesson.id.desc())
                          .limit(limit).offset(offset)).all()
    return SearchPage(query=[], items=_results(session, ctx, [(i, 0.0) for i in ids], {}, {}), total=total,
                      limit=limit, offset=offset)


def search(session: Session, ctx: AccessContext, q: str | None, filters: SearchFilters, limit: int,
           offset: int) -> SearchPage:
    """Lessons containing every word of ``q`` with their hits; without ``q`` (blank), :func:`browse`."""
    if q is None or not q.strip():
        return browse(session, ctx, filters, limit, offset)
    words = parse(q)
    page, total = matching_lessons(session, ctx, words, filters, limit, offset)
    hidden = hidden_notes(session, ctx, [lesson_id for lesson_id, _ in page])
    if hidden:  # a lesson that matched only through notes this reader may not read is not a result for them
        kept = _said_visibly(session, [lesson_id for lesson_id, _ in page], words, hidden)
        total -= len(page) - len(kept)
        page = [(lesson_id, score) for lesson_id, score in page if lesson_id in kept]
    hits, moments = lesson_hits(session, [lesson_id for lesson_id, _ in page], words, hidden=hidden)
    return SearchPage(query=[w.text for w in words], items=_results(session, ctx, page, hits, moments), total=total,
                      limit=limit, offset=offset)
