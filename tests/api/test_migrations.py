"""Migrations run up from empty on both backends and match the models exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from models.base import Base
from models.db import make_engine
from models.migrate import downgrade, upgrade
from models.search import PG_RAW_INDEXES, SQLITE_FTS_TABLES
from tests.support import databases


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return [d for d in compare_metadata(ctx, Base.metadata) if not _ignorable(d)]
    finally:
        engine.dispose()


def _ignorable(diff: object) -> bool:
    """Objects the models do not describe on purpose: the full-text tables and indexes the migrations make
    in raw SQL, named one by one (any other difference, in the search tables too, is drift)."""
    if not isinstance(diff, tuple) or len(diff) < 2:
        return False
    kind, obj = diff[0], diff[1]
    name = getattr(obj, "name", None)
    return (kind == "remove_table" and name in SQLITE_FTS_TABLES) or (kind == "remove_index" and name in PG_RAW_INDEXES)


def _raw_search_objects(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        found = set(inspect(engine).get_table_names())
        if engine.dialect.name == "postgresql":
            found |= {ix["name"] for ix in inspect(engine).get_indexes("search_lessons") if ix["name"]}
        return found & (SQLITE_FTS_TABLES | PG_RAW_INDEXES)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _roundtrip(url: str) -> None:
    upgrade(url)
    assert {"lessons", "observations", "notes", "users", "jobs"} <= _tables(url)
    assert _diff(url) == [], "the migrations and the models disagree"
    expected = SQLITE_FTS_TABLES if url.startswith("sqlite") else PG_RAW_INDEXES
    assert _raw_search_objects(url) == expected  # what the drift check leaves out does exist
    downgrade(url, "base")
    assert _tables(url) <= {"alembic_version"}
    upgrade(url)
    assert "lessons" in _tables(url)


def test_sqlite_migrations_from_empty(tmp_path):
    _roundtrip(f"sqlite:///{tmp_path / 'empty.db'}")


@pytest.mark.postgres
def test_postgres_migrations_from_empty():
    name = f"tingke_mig_{__import__('uuid').uuid4().hex[:8]}"
    databases._pg_admin(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    try:
        _roundtrip(databases._pg_url(name))
    finally:
        databases.drop_pg(name)


def test_one_head():
    """Parallel work adds migration branches; they must be merged before they land."""
    from alembic.script import ScriptDirectory

    from models.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1
