"""The relay's HTTP face: the app (routes in ``streaming/routes.py``, CORS, the JSON errors, the
lifespan that installs forwarding and recovers a killed relay's recordings) and its server.

``create_app()`` builds the ASGI app; ``serve(host, port)`` runs it (blocking) on the standard
asyncio loop, which the UDP port-range hook needs. ``python -m streaming --port 0`` prints the
bound address, for tests and benchmarks that start the relay in its own process.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any, cast

import uvicorn
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from streaming import live_hls, routes
from streaming.aiortc_bridge.forwarding import install_forwarding
from streaming.errors import RelayError
from streaming.room_hooks import RoomHooks
from streaming.udp_ports import install_udp_port_range
from tingke import logs
from tingke.request_ids import RequestIdMiddleware
from tingke.settings import Settings, get_settings

log = logging.getLogger(__name__)

EXPOSED_HEADERS = ["Location", "Link", "ETag", "Accept-Patch", "Accept-Post", "X-Tingke-Tracks", "X-Tingke-Session",
                   "X-Request-ID"]


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


async def _relay_error(request: Request, exc: Exception) -> JSONResponse:
    error = cast(RelayError, exc)
    return _error(error.status, error.code, error.message, error.headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    error = cast(StarletteHTTPException, exc)
    code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
    return _error(error.status_code, code, str(error.detail), dict(error.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("relay request failed")
    return _error(500, "internal", "the relay failed to handle this request")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    lifecycle: RoomHooks = app.state.lifecycle
    install_forwarding()
    install_udp_port_range(asyncio.get_running_loop(), settings.rtc_port_min, settings.rtc_port_max)
    if settings.live_record:
        await lifecycle.recover()
    yield
    await lifecycle.registry.shutdown()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The relay app. ``app.state.registry`` is the :class:`~streaming.rooms.RoomRegistry` (rooms, hubs),
    ``app.state.settings`` its settings; the routes read both from there."""
    settings = settings or get_settings()
    lifecycle = RoomHooks(settings)
    live_hls.install(lifecycle.registry, settings)

    app = FastAPI(title="tingke relay", lifespan=_lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.lifecycle = lifecycle
    app.state.registry = lifecycle.registry
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],  # bearer tokens, no cookies: any origin may signal with a valid token
        allow_methods=["GET", "POST", "DELETE", "PATCH", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "If-Match", "X-Request-ID"],
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )
    app.add_exception_handler(RelayError, _relay_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    app.include_router(routes.router)
    return app


class QuietServer(uvicorn.Server):
    """uvicorn's server, without its ten wake-ups a second.

    uvicorn polls for shutdown every 0.1 s; on the relay each wake-up costs about what a forwarded
    packet costs, all lesson long and with nobody connected. Here the loop sleeps until a signal
    asks it to stop, or a second has passed (the Date header is refreshed once a second anyway).
    """

    _stop_requested: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        while not await self.on_tick(0):  # tick 0: uvicorn's once-a-second work
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stop_requested.wait(), timeout=1.0)

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        if self._loop is not None and self._stop_requested is not None:
            self._loop.call_soon_threadsafe(self._stop_requested.set)  # safe from a signal handler


def serve(host: str | None = None, port: int | None = None) -> None:
    """Run the relay until interrupted (``tingke relay``). Port 0 picks a free port; the bound
    address is printed as ``relay listening on http://HOST:PORT``."""
    settings = get_settings()
    host = host or settings.relay_host
    port = settings.relay_port if port is None else port
    logs.configure(settings.log_level, settings.log_format)
    for chatty in ("aioice", "aiortc"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    bound = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings), loop="asyncio", log_level="warning", lifespan="on",
                            access_log=False, timeout_keep_alive=30)
    server = QuietServer(config)
    print(f"relay listening on http://{host}:{bound}", flush=True)
    sys.stdout.flush()
    asyncio.run(server.serve(sockets=[sock]))
