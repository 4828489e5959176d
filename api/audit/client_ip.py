"""The caller's address for audit rows, kept in a context variable for the request (pure ASGI: no cost)."""

from __future__ import annotations

from typing import Any

from api.audit.service import client_ip


class ClientIPMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token = client_ip.set(client[0] if client else None)
        try:
            await self.app(scope, receive, send)
        finally:
            client_ip.reset(token)
