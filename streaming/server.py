"""The relay's HTTP face: WHIP/WHEP signalling, room status, health and counters.

``create_app()`` builds the ASGI app; ``serve(host, port)`` runs it (blocking) on the standard
asyncio loop, which the UDP port-range hook needs. ``python -m streaming --port 0`` prints the
bound address, for tests and benchmarks that start the relay in its own process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from streaming import ice_links, lesson_store, live_hls, negotiation, recording, recovery, sdpfrag
from streaming.aiortc_bridge.counters import COUNTERS, sender_octet_count, sender_packet_count
from streaming.aiortc_bridge.forwarding import forwarding_installed, install_forwarding
from streaming.auth import ROLES, LiveClaims, authenticate, check_stats_access
from streaming.errors import RelayError
from streaming.metrics import RelayCollector
from streaming.recording import RecordingSummary
from streaming.rooms import END_BY_PUBLISHER, LEFT, RoomRegistry, Session
from streaming.sdp_offer import MAX_SDP_BYTES, check_content_type, parse_offer
from streaming.udp_ports import install_udp_port_range
from tingke import logs
from tingke.metrics_access import may_scrape
from tingke.prometheus import CONTENT_TYPE, exposition
from tingke.request_ids import RequestIdMiddleware
from tingke.settings import Settings, get_settings

log = logging.getLogger(__name__)

EXPOSED_HEADERS = ["Location", "Link", "ETag", "Accept-Patch", "Accept-Post", "X-Tingke-Tracks", "X-Tingke-Session",
                   "X-Request-ID"]
ENDPOINT_ALLOW = "OPTIONS, POST"
SESSION_ALLOW = "OPTIONS, PATCH, DELETE"


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


async def _read_bounded(request: Request, limit: int, code: str, what: str) -> bytes:
    """The request body, refusing more than ``limit`` bytes (413) without reading it all."""
    declared = request.headers.get("content-length")
    too_large = RelayError(413, code, f"{what} exceeds {limit} bytes")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


async def _read_sdp(request: Request) -> bytes:
    check_content_type(request.headers.get("content-type"))
    return await _read_bounded(request, MAX_SDP_BYTES, "sdp_too_large", "the offer")


def _with_links(response: Response, links: list[str]) -> Response:
    for value in links:  # one Link header per ICE server URL, as WHIP clients (OBS) read them
        response.headers.append("Link", value)
    return response


def _sdp_created(session: Session, answer: str, base: str, links: list[str]) -> Response:
    headers = {
        "Location": f"{base}/{session.room.id}/{session.id}",
        "X-Tingke-Session": session.id,
        "ETag": session.etag,
        "Accept-Patch": sdpfrag.CONTENT_TYPE,
    }
    if session.tracks:
        headers["X-Tingke-Tracks"] = json.dumps(session.tracks, ensure_ascii=True, separators=(",", ":"))
    return _with_links(Response(answer, status_code=201, media_type="application/sdp", headers=headers), links)


async def _read_frag(request: Request) -> bytes:
    return await _read_bounded(request, sdpfrag.MAX_FRAG_BYTES, "sdpfrag_too_large", "the ICE fragment")


def _admitted(session: Session, claims: LiveClaims) -> None:
    """One line per admitted session, naming the API request that granted its token."""
    log.info("room %s: %s session %s admitted (%s, granted by request %s)", session.room.id, session.kind,
             session.id, claims.role, claims.request_id or "-",
             extra={"room": session.room.id, "session": session.id, "grant_request_id": claims.request_id})


def create_app(settings: Settings | None = None) -> FastAPI:
    """The relay app. ``app.state.registry`` is the :class:`RoomRegistry` (rooms, hubs)."""
    settings = settings or get_settings()

    async def on_live(room_id: str) -> None:
        try:
            await asyncio.to_thread(lesson_store.mark_live, room_id)
        except Exception:  # the database being down must not stop the lesson
            log.exception("room %s: could not mark the lesson live", room_id)

    async def on_ended(room_id: str, summaries: list[RecordingSummary]) -> None:
        # recordings recovered after a restart are this lesson's earlier parts (streaming/recovery.py)
        summaries = registry.recovered.pop(room_id, []) + summaries
        try:
            if not summaries:
                await asyncio.to_thread(lesson_store.release_unrecorded, room_id)
                return
            ids = await asyncio.to_thread(lesson_store.register_recordings, room_id, summaries)
            await asyncio.to_thread(recovery.mark_registered, summaries)
        except Exception:  # the files stay on disk, with their manifest, for a later import
            log.exception("room %s: could not register its recordings", room_id)
            return
        registry.registered[room_id] = ids

    registry = RoomRegistry(settings, on_live=on_live, on_ended=on_ended)
    live_hls.install(registry, settings)

    def is_live(room_id: str) -> bool:
        room = registry.get(room_id)
        return room is not None and room.went_live and not room.ended

    def adopt(room_id: str, summaries: list[RecordingSummary]) -> None:
        registry.recovered.setdefault(room_id, []).extend(summaries)

    async def recover() -> None:
        """Close what a killed relay left unfinished, then give its publishers the grace period."""
        try:
            closed = await asyncio.to_thread(recovery.close_all, settings.media_root, recording.BOOT)
        except Exception:
            log.exception("could not look for recordings left unfinished")
            return
        recovery.schedule(asyncio.get_running_loop(), closed, settings.live_grace_seconds, is_live, adopt,
                          on_ended, registry.background, settings.media_root)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_forwarding()
        install_udp_port_range(asyncio.get_running_loop(), settings.rtc_port_min,
                                             settings.rtc_port_max)
        if settings.live_record:
            await recover()
        yield
        await registry.shutdown()

    app = FastAPI(title="tingke relay", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.registry = registry
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],  # bearer tokens, no cookies: any origin may signal with a valid token
        allow_methods=["GET", "POST", "DELETE", "PATCH", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "If-Match", "X-Request-ID"],
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )

    @app.exception_handler(RelayError)
    async def _relay_error(request: Request, exc: RelayError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("relay request failed")
        return _error(500, "internal", "the relay failed to handle this request")

    @app.post("/whip/{room}", status_code=201)
    async def whip(room: str, request: Request) -> Response:
        claims = authenticate(request.headers.get("authorization"), room, ("publisher", "classroom"))
        if claims.mode == "broadcast" and claims.role != "publisher":
            raise RelayError(403, "wrong_role", "a broadcast lesson is published with a publisher token")
        offer = parse_offer(await _read_sdp(request))
        session, answer = await negotiation.publish(registry, claims, offer)
        _admitted(session, claims)
        return _sdp_created(session, answer, "/whip", ice_links.for_user(settings, claims.sub))

    @app.post("/whep/{room}", status_code=201)
    async def whep(room: str, request: Request) -> Response:
        claims = authenticate(request.headers.get("authorization"), room, ROLES)
        offer = parse_offer(await _read_sdp(request))
        session, answer = await negotiation.watch(registry, claims, offer)
        _admitted(session, claims)
        return _sdp_created(session, answer, "/whep", ice_links.for_user(settings, claims.sub))

    def _own_session(room: str, session_id: str, request: Request, kind: str) -> Session:
        claims = authenticate(request.headers.get("authorization"), room, ROLES)
        live_room = registry.get(room)
        session = live_room.sessions.get(session_id) if live_room else None
        if session is None or session.kind != kind:
            raise RelayError(404, "no_session", "no such session (it may have ended already)")
        if session.claims.sub != claims.sub:
            raise RelayError(403, "not_your_session", "this session belongs to someone else")
        return session

    async def _leave(room: str, session_id: str, request: Request, kind: str) -> Response:
        session = _own_session(room, session_id, request, kind)
        await session.room.close_session(session, LEFT)
        return Response(status_code=200)

    async def _patch(room: str, session_id: str, request: Request, kind: str) -> Response:
        """Trickle ICE (204) or an ICE restart (200 with the relay's new fragment), RFC 9725 §4.3."""
        session = _own_session(room, session_id, request, kind)
        sdpfrag.check_content_type(request.headers.get("content-type"))
        if_match = (request.headers.get("if-match") or "").strip()
        if not if_match:
            raise RelayError(428, "precondition_required",
                             "send If-Match with the session's ETag (from the answer), or If-Match: * for an ICE "
                             "restart", {"ETag": session.etag})
        frag = sdpfrag.parse(await _read_frag(request))
        ufrag, pwd = sdpfrag.ice_credentials(session.offer)
        if frag.ufrag is not None and (frag.ufrag, frag.pwd) != (ufrag, pwd):
            if if_match != "*":
                raise RelayError(412, "restart_needs_wildcard",
                                 "new ICE credentials are an ICE restart, which is sent with If-Match: *")
            offer = parse_offer(sdpfrag.restarted_offer(session.offer, frag).encode())
            answer = await negotiation.restart_ice(registry, session, offer)
            response = Response(sdpfrag.answer_fragment(answer), status_code=200, media_type=sdpfrag.CONTENT_TYPE,
                                headers={"ETag": session.new_etag()})
            return _with_links(response, ice_links.for_user(settings, session.claims.sub))
        if if_match != "*" and if_match != session.etag:
            raise RelayError(412, "etag_mismatch", "If-Match names another ICE session of this resource (it was "
                             "restarted since): use the ETag of the last answer", {"ETag": session.etag})
        await negotiation.add_candidates(session, frag)
        return Response(status_code=204)

    def _endpoint_options(room: str, request: Request) -> Response:
        headers = {"Accept-Post": "application/sdp", "Allow": ENDPOINT_ALLOW}
        response = Response(status_code=204, headers=headers)
        auth = request.headers.get("authorization")
        if auth is None:
            return response  # no token, no credentials (a CORS preflight never carries one)
        claims = authenticate(auth, room, ROLES)
        return _with_links(response, ice_links.for_user(settings, claims.sub))

    @app.delete("/whip/{room}/{session_id}")
    async def whip_leave(room: str, session_id: str, request: Request) -> Response:
        return await _leave(room, session_id, request, "whip")

    @app.delete("/whep/{room}/{session_id}")
    async def whep_leave(room: str, session_id: str, request: Request) -> Response:
        return await _leave(room, session_id, request, "whep")

    @app.patch("/whip/{room}/{session_id}")
    async def whip_patch(room: str, session_id: str, request: Request) -> Response:
        return await _patch(room, session_id, request, "whip")

    @app.patch("/whep/{room}/{session_id}")
    async def whep_patch(room: str, session_id: str, request: Request) -> Response:
        return await _patch(room, session_id, request, "whep")

    @app.options("/whip/{room}")
    async def whip_options(room: str, request: Request) -> Response:
        return _endpoint_options(room, request)

    @app.options("/whep/{room}")
    async def whep_options(room: str, request: Request) -> Response:
        return _endpoint_options(room, request)

    @app.options("/whip/{room}/{session_id}")
    @app.options("/whep/{room}/{session_id}")
    async def session_options(room: str, session_id: str) -> Response:
        return Response(status_code=204, headers={"Accept-Patch": sdpfrag.CONTENT_TYPE, "Allow": SESSION_ALLOW})

    @app.api_route("/whip/{room}/{session_id}", methods=["GET", "PUT", "POST"])
    @app.api_route("/whep/{room}/{session_id}", methods=["GET", "PUT", "POST"])
    async def session_other(room: str, session_id: str) -> Response:
        raise RelayError(405, "method_not_allowed", "a session resource takes PATCH (trickle ICE, ICE restart) "
                         "and DELETE (leave)", {"Allow": SESSION_ALLOW})

    @app.get("/rooms/{room}")
    async def room_status(room: str, request: Request) -> dict[str, Any]:
        authenticate(request.headers.get("authorization"), room, ROLES)
        live_room = registry.get(room)
        if live_room is None or live_room.ended:
            reason = live_room.end_reason if live_room is not None else registry.ended.get(room)
            return {"room": room, "live": False, "revision": 0, "publishers": [], "viewers": 0,
                    "ended": reason is not None, "end_reason": reason}
        return dict(live_room.describe(), live=True, ended=False, end_reason=None)

    @app.post("/rooms/{room}/end")
    async def end_room(room: str, request: Request) -> dict[str, Any]:
        authenticate(request.headers.get("authorization"), room, ("publisher", "classroom"))
        live_room = registry.get(room)
        if live_room is None:
            raise RelayError(404, "not_live", "this lesson is not live")
        summaries = await live_room.end(END_BY_PUBLISHER)
        return {
            "room": room,
            "recordings": [
                {"label": s.label, "path": str(s.playlist), "duration_seconds": s.duration_seconds,
                 "segments": len(s.segments), "gaps": s.gaps}
                for s in summaries
            ],
            "assets": registry.registered.get(room, []),
        }

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "forwarding": forwarding_installed(), "rooms": len(registry.rooms)}

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if not may_scrape(request.client.host if request.client else None, request.headers):
            raise RelayError(401, "unauthorized", "/metrics answers on loopback, or with the metrics token",
                             {"WWW-Authenticate": 'Bearer realm="tingke-metrics"'})
        return Response(exposition(RelayCollector(lambda: relay_stats(registry))), media_type=CONTENT_TYPE)

    @app.get("/stats")
    async def stats(request: Request) -> dict[str, Any]:
        check_stats_access(request.headers.get("authorization"), request.client.host if request.client else None,
                           dict(request.headers))
        return relay_stats(registry)

    return app


def relay_stats(registry: RoomRegistry) -> dict[str, Any]:
    """Counters for dashboards, tests and the benchmark (cheap: no getStats() reports)."""
    packets = registry.closed_packets_out
    octets = registry.closed_octets_out
    hubs = []
    sessions = {"whip": 0, "whep": 0}
    rooms = []
    for room in registry.rooms.values():
        for session in room.sessions.values():
            sessions[session.kind] += 1
            for sender in session.senders:
                packets += sender_packet_count(sender)
                octets += sender_octet_count(sender)
        room_hubs = [hub for p in room.publishers.values() for hub in p.hubs.values()]
        hubs += room_hubs
        rooms.append(dict(room.describe(), hubs=[
            dict(hub.stats.__dict__, label=hub.label, kind=hub.kind, codec=hub.codec.mimeType,
                 outlets=hub.outlet_count, max_queue=hub.max_queue(), live=hub.live)
            for hub in room_hubs
        ]))
    times = os.times()
    return dict(
        COUNTERS.snapshot(),
        pid=os.getpid(),
        uptime_seconds=round(time.time() - registry.started, 1),
        cpu_seconds=round(times.user + times.system, 3),
        rooms=rooms,
        sessions=sessions,
        packets_out=packets,
        octets_out=octets,
        frames_in=sum(h.stats.frames_in for h in hubs),
        plis_sent=sum(h.stats.plis_sent for h in hubs),
        keyframe_requests=sum(h.stats.keyframe_requests for h in hubs),
        gated_drops=sum(h.stats.gated_drops for h in hubs),
        overflow_resets=sum(h.stats.overflow_resets for h in hubs),
        max_queue=max((h.max_queue() for h in hubs), default=0),
    )


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
