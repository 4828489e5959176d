"""Engines and sessions for SQLite (WAL, foreign keys on) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

API_THREADS = 40  # anyio's default thread limiter, which runs FastAPI's sync endpoints
# Threads that may hold a connection at once besides those: health checks (asyncio's default executor)
# and the live poll hub's readers. Each waits for a pooled connection at most POOL_TIMEOUT seconds.
OTHER_THREADS = 20
POOL_TIMEOUT = 30


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy's default pool for a SQLite file is 5 + 10 overflow: with 40 request threads the rest
        # queued for it and failed after 30 s ("QueuePool limit ... reached"). SQLite connections are cheap
        # and WAL readers do not block each other, so every thread that may ask gets one; writers take
        # turns on the write lock (busy_timeout), which is short because transactions are committed before
        # the response is rendered (api/db.py).
        if ":memory:" not in url:
            kwargs = {"pool_size": API_THREADS, "max_overflow": OTHER_THREADS, "pool_timeout": POOL_TIMEOUT, **kwargs}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # FastAPI runs sync endpoints on up to 40 threads, each holding one session: a smaller pool
    # makes bursts (a class opening a poll at once) queue for pool_timeout and fail.
    options = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": API_THREADS - 10, "pool_timeout": POOL_TIMEOUT,
               **kwargs}
    return create_engine(url, **options)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def sessionmaker_for(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on error (for workers, the relay and the CLI)."""
    with managed_session(sessionmaker_for(url)) as session:
        yield session


@contextmanager
def managed_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Commit on success, roll back on any error, always close: the one transaction rule."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
