"""The library search index: per-lesson text for matching and ranking, per-passage rows for hits.

Write side: ``models/search_index.py``; query side: ``api/library/``. Backend-specific parts are
made by the migrations only: on SQLite the FTS5 table ``search_fts`` (character bigrams, rowid = lesson id,
``0003_library``), on PostgreSQL the pg_trgm GIN indexes on the raw text (``0003_library``) and a GIN
index on ``tokens``, whose lexemes are n-grams since ``0007_search_terms``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

# Made by the migrations in raw SQL, so not described by the models below (the migration drift test
# names exactly these and nothing else): SQLite's FTS5 table and the shadow tables FTS5 keeps beside it,
# PostgreSQL's GIN indexes.
SQLITE_FTS_TABLE = "search_fts"
SQLITE_FTS_TABLES = frozenset({SQLITE_FTS_TABLE} | {f"{SQLITE_FTS_TABLE}_{part}" for part in
                                                    ("data", "idx", "content", "docsize", "config")})
PG_RAW_INDEXES = frozenset({"gin_search_lessons_meta_trgm", "gin_search_lessons_body_trgm",
                            "gin_search_lessons_tokens"})


class SearchLesson(Base):
    """Everything searchable about one lesson, as raw text (the unit of matching and ranking)."""

    __tablename__ = "search_lessons"
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True)
    # The raw text with ASCII letters lower-cased (``search_tokens.fold``), for substring checks with LIKE.
    meta: Mapped[str] = mapped_column(Text, default="")  # title, topic, teacher, school, subject, grade, kind, tags
    body: Mapped[str] = mapped_column(Text, default="")  # transcript, board and slide text, submitted notes
    # PostgreSQL only: stripped tsvector of the lesson's n-gram lexemes (``search_tokens.pg_terms``); NULL on SQLite.
    tokens: Mapped[str | None] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))
    indexed_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchDoc(Base):
    """One passage a hit can point at: a transcript segment, a line of board or slide text, a note, or a
    metadata field."""

    __tablename__ = "search_docs"
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # title, ..., tag, transcript, board, note
    ref_id: Mapped[int | None]  # transcript segment, board text line or note id
    t_start: Mapped[float | None]
    t_end: Mapped[float | None]
    text: Mapped[str] = mapped_column(Text)
