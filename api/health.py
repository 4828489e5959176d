"""``GET /api/health``: the state of each component the product depends on."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
from fastapi import APIRouter, Request
from sqlalchemy import text

from tingke.settings import get_settings

router = APIRouter(tags=["health"])


def _database(request: Request) -> str:
    try:
        with request.app.state.sessionmaker() as session:
            session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # reported, not raised: health must answer
        return f"error: {type(exc).__name__}"


async def _relay() -> str:
    try:
        async with httpx.AsyncClient(timeout=1.0) as client:
            reply = await client.get(f"{get_settings().relay_base}/health")
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


@router.get("/api/health", summary="Liveness and the state of each component")
async def health(request: Request) -> dict[str, Any]:
    database = await asyncio.to_thread(_database, request)
    broker = await asyncio.to_thread(_broker)
    components = {"api": "ok", "database": database, "broker": broker, "relay": await _relay(), "media": _media()}
    return {"status": "ok" if database == "ok" else "degraded", "components": components}
