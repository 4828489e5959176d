"""Per-request database sessions, and the rule that a request's transaction ends before its response.

FastAPI runs the code after ``yield`` in a dependency once the response has been *sent*. A session that
committed there told the client "201 Created" before the note was stored, and held SQLite's write lock
from the first INSERT through serialising the response (another trip through the thread pool) and the
network send. Under load the 40 request threads then all waited on that lock while the holder waited
for a thread: 15 s later the commit failed with "database is locked", after the client had been told
the note was saved. So every sync endpoint commits in its own thread right after it returns, and an
error in the commit is the request's error.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from models.db import managed_session


def get_session(request: Request) -> Iterator[Session]:
    with managed_session(request.app.state.sessionmaker) as session:
        yield session


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, Session):
                value.commit()  # the connection goes back to the pool before the response is rendered
        return result

    run.commits_before_response = True  # type: ignore[attr-defined]
    return run


def commit_before_response(routers: Iterable[APIRouter]) -> None:
    """Make every sync endpoint of ``routers`` commit its session in its own thread before its response
    is serialised or sent (async endpoints commit explicitly, in a worker thread). Done on the routers'
    routes before an app includes them: FastAPI builds each included route's handler from
    ``route.endpoint`` (and reads the endpoint's signature through ``functools.wraps``). Idempotent."""
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute) or inspect.iscoroutinefunction(route.endpoint):
                continue
            if getattr(route.endpoint, "commits_before_response", False):
                continue
            route.endpoint = _committing(route.endpoint)
            route.dependant.call = route.endpoint
