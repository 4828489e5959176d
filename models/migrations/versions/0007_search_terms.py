"""library search on PostgreSQL: n-gram lexemes instead of positional bigrams

Revision ID: 0007_search_terms
Revises: 0006_merge_domains
Create Date: 2026-11-24

PostgreSQL only (SQLite keeps FTS5): ``search_lessons.tokens`` becomes a stripped tsvector of every Han
1-4 gram, ASCII words and salience markers (``models.search_tokens.pg_terms``), so a 1-4 character word
is one exact lexeme looked up in the GIN index without reading rows; ``meta``/``body`` are stored with
ASCII letters lower-cased (``fold``), so substring checks use LIKE, not ILIKE (SQLite's LIKE ignores ASCII
case anyway). The column and its GIN index keep their names; the rows are rebuilt here from the raw text
they already hold, the index is built afresh after that (faster and more compact than updating it row by
row) and the statistics are refreshed. Downgrade restores the weighted bigram vector of 0003_library and
leaves the text folded (the older queries used ILIKE).
"""
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from models.search_tokens import bigram_tokens, fold, pg_terms

revision: str = '0007_search_terms'
down_revision: str | None = '0006_merge_domains'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

BATCH = 200
NEW_ROW = "meta = :meta, body = :body, tokens = array_to_tsvector(CAST(:terms AS text[]))"
OLD_ROW = "tokens = setweight(to_tsvector('simple', :mt), 'A') || setweight(to_tsvector('simple', :bt), 'D')"


def _rebuild(set_sql: str, params: Callable[[str, str], dict[str, object]]) -> None:
    bind = op.get_bind()
    op.execute('DROP INDEX IF EXISTS gin_search_lessons_tokens')
    update = sa.text(f"UPDATE search_lessons SET {set_sql} WHERE lesson_id = :id")
    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT lesson_id, meta, body FROM search_lessons WHERE lesson_id > :last "
                                    "ORDER BY lesson_id LIMIT :n"), {"last": last, "n": BATCH}).all()
        if not rows:
            break
        bind.execute(update, [{"id": lesson_id, **params(meta, body)} for lesson_id, meta, body in rows])
        last = rows[-1][0]
    op.execute('CREATE INDEX gin_search_lessons_tokens ON search_lessons USING gin (tokens)')
    op.execute('ANALYZE search_lessons')


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _rebuild(NEW_ROW, lambda meta, body: {"meta": fold(meta), "body": fold(body),
                                              "terms": pg_terms(fold(meta), fold(body))})


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _rebuild(OLD_ROW, lambda meta, body: {"mt": bigram_tokens(meta), "bt": bigram_tokens(body)})
