"""Throw-away databases for tests: a migrated template per backend, copied for each test."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import psycopg

from models.migrate import upgrade

PG_ADMIN_URL = os.environ.get("TINGKE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_url(dbname: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname


def _pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def create_pg_template() -> str:
    name = f"tingke_tpl_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' LC_COLLATE \'C.UTF-8\' '
              f"LC_CTYPE 'C.UTF-8' TEMPLATE template0")
    upgrade(_pg_url(name))
    return name


def create_pg_from(template: str) -> tuple[str, str]:
    name = f"tingke_test_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name, _pg_url(name)


def drop_pg(name: str) -> None:
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_sqlite_template(folder: Path) -> Path:
    path = folder / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def copy_sqlite(template: Path, folder: Path) -> str:
    path = folder / f"tingke-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"
