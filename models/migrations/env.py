"""Alembic environment: the URL comes from the config built in models.migrate, never from a file."""

from alembic import context
from sqlalchemy.engine import Connection

import models  # noqa: F401  (registers every table on Base.metadata)
from models.base import Base
from models.db import make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""


def run() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _migrate(connectable)
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        _migrate(connection)
    engine.dispose()


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave out what the models do not describe on purpose: the SQLite FTS5 table with its shadow tables
    and PostgreSQL's GIN search indexes (made by raw SQL in 0003_library)."""
    return not (name or "").startswith(("search_fts", "gin_search_"))


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
