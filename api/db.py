"""Per-request database sessions."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from models.db import managed_session


def get_session(request: Request) -> Iterator[Session]:
    with managed_session(request.app.state.sessionmaker) as session:
        yield session
