"""``GET /api/health`` (liveness) and ``GET /api/ready`` (readiness) of the API.

Liveness answers 200 whenever this process can answer at all, with each component's state in the body
("degraded" when the database is not ok): a supervisor restarts a process that fails it, and
restarting the API does not mend a database that is down. Readiness answers 503 while a component
the API needs to serve is down, naming it, so a load balancer (nginx, a health-checking upstream)
sends traffic to another API process meanwhile: the database; the broker when it is a server (the
scale-out column: ``TINGKE_BROKER_URL`` set; the embedded SQLite broker is a file); the relay.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from tingke import logs
from tingke.settings import get_settings

router = APIRouter(tags=["health"])


def _database(request: Request) -> str:
    try:
        with request.app.state.sessionmaker() as session:
            session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # reported, not raised: health must answer
        return f"error: {type(exc).__name__}"


async def _relay_client(request: Request) -> httpx.AsyncClient:
    """One client per app, built in a thread: building one loads the TLS certificates (~60 ms of
    blocking work that, done on every health check, was on the event loop)."""
    client = getattr(request.app.state, "relay_client", None)
    if client is None:
        client = request.app.state.relay_client = await asyncio.to_thread(httpx.AsyncClient, timeout=1.0)
    return client


async def _relay(request: Request) -> str:
    try:
        reply = await (await _relay_client(request)).get(f"{get_settings().relay_base}/health",
                                                          headers={logs.REQUEST_ID_HEADER: logs.request_id.get()})
        return "ok" if reply.status_code == 200 else f"error: HTTP {reply.status_code}"
    except httpx.HTTPError:
        return "unreachable"


def _broker() -> str:
    url = get_settings().celery_broker
    if url.startswith("sqla+sqlite"):
        path = url.split("///", 1)[-1]
        return "ok" if os.access(os.path.dirname(path) or ".", os.W_OK) else "error: folder not writable"
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        return "ok"
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"


def _media() -> str:
    root = get_settings().media_root
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"error: {exc.strerror}"
    return "ok" if os.access(root, os.W_OK) else "error: not writable"


async def _components(request: Request) -> dict[str, str]:
    # Each check in its own thread, all at once: none blocks the event loop, a slow one does not delay the others.
    database, broker, relay, media = await asyncio.gather(
        asyncio.to_thread(_database, request), asyncio.to_thread(_broker), _relay(request), asyncio.to_thread(_media))
    return {"api": "ok", "database": database, "broker": broker, "relay": relay, "media": media}


def required_components() -> tuple[str, ...]:
    """What readiness waits for: the broker only when it is a server (scale-out column)."""
    return ("database", "broker", "relay") if get_settings().broker_url else ("database", "relay")


@router.get("/api/health", summary="Liveness and the state of each component")
async def health(request: Request) -> dict[str, Any]:
    components = await _components(request)
    return {"status": "ok" if components["database"] == "ok" else "degraded", "components": components}


# Not in the OpenAPI schema, like /metrics: it is for load balancers and operators (README "Signals"), and
# its 503 is the state of the machine, not an answer to what a client sent.
@router.get("/api/ready", include_in_schema=False)
async def ready(request: Request) -> JSONResponse:
    components = await _components(request)
    down = {name: components[name] for name in required_components() if components[name] != "ok"}
    body = {"status": "not_ready" if down else "ready", "down": down, "components": components}
    return JSONResponse(body, status_code=503 if down else 200, headers={"Cache-Control": "no-store"})
