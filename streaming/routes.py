"""The relay's HTTP routes: WHIP/WHEP signalling, sessions (trickle ICE, ICE restart, leave), room
status and end, health, metrics and counters.

Handlers are module-level and read the relay's state from the app (``app.state.registry``, the
:class:`~streaming.rooms.RoomRegistry`; ``app.state.settings``) through the typed dependencies
:data:`Registry` and :data:`RelaySettings`; :func:`streaming.server.create_app` mounts :data:`router`.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from streaming import ice_links, negotiation, sdpfrag
from streaming.aiortc_bridge.counters import COUNTERS, sender_octet_count, sender_packet_count
from streaming.aiortc_bridge.forwarding import forwarding_installed
from streaming.auth import ROLES, LiveClaims, authenticate, check_stats_access
from streaming.errors import RelayError
from streaming.metrics import RelayCollector
from streaming.rooms import END_BY_PUBLISHER, LEFT, RoomRegistry, Session
from streaming.sdp_offer import MAX_SDP_BYTES, check_content_type, parse_offer
from tingke.metrics_access import may_scrape
from tingke.prometheus import CONTENT_TYPE, exposition
from tingke.settings import Settings

log = logging.getLogger(__name__)

ENDPOINT_ALLOW = "OPTIONS, POST"
SESSION_ALLOW = "OPTIONS, PATCH, DELETE"


def _registry(request: Request) -> RoomRegistry:
    return cast(RoomRegistry, request.app.state.registry)


def _settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


Registry = Annotated[RoomRegistry, Depends(_registry)]
RelaySettings = Annotated[Settings, Depends(_settings)]

router = APIRouter()


# ---- bodies and answers -------------------------------------------------------------------


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


async def _read_frag(request: Request) -> bytes:
    return await _read_bounded(request, sdpfrag.MAX_FRAG_BYTES, "sdpfrag_too_large", "the ICE fragment")


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


def _admitted(session: Session, claims: LiveClaims) -> None:
    """One line per admitted session, naming the API request that granted its token."""
    log.info("room %s: %s session %s admitted (%s, granted by request %s)", session.room.id, session.kind,
             session.id, claims.role, claims.request_id or "-",
             extra={"room": session.room.id, "session": session.id, "grant_request_id": claims.request_id})


# ---- WHIP / WHEP ----------------------------------------------------------------------------


@router.post("/whip/{room}", status_code=201)
async def whip(room: str, request: Request, registry: Registry, settings: RelaySettings) -> Response:
    claims = authenticate(request.headers.get("authorization"), room, ("publisher", "classroom"))
    if claims.mode == "broadcast" and claims.role != "publisher":
        raise RelayError(403, "wrong_role", "a broadcast lesson is published with a publisher token")
    offer = parse_offer(await _read_sdp(request))
    session, answer = await negotiation.publish(registry, claims, offer)
    _admitted(session, claims)
    return _sdp_created(session, answer, "/whip", ice_links.for_user(settings, claims.sub))


@router.post("/whep/{room}", status_code=201)
async def whep(room: str, request: Request, registry: Registry, settings: RelaySettings) -> Response:
    claims = authenticate(request.headers.get("authorization"), room, ROLES)
    offer = parse_offer(await _read_sdp(request))
    session, answer = await negotiation.watch(registry, claims, offer)
    _admitted(session, claims)
    return _sdp_created(session, answer, "/whep", ice_links.for_user(settings, claims.sub))


def _own_session(registry: RoomRegistry, room: str, session_id: str, request: Request, kind: str) -> Session:
    claims = authenticate(request.headers.get("authorization"), room, ROLES)
    live_room = registry.get(room)
    session = live_room.sessions.get(session_id) if live_room else None
    if session is None or session.kind != kind:
        raise RelayError(404, "no_session", "no such session (it may have ended already)")
    if session.claims.sub != claims.sub:
        raise RelayError(403, "not_your_session", "this session belongs to someone else")
    return session


async def _leave(registry: RoomRegistry, room: str, session_id: str, request: Request, kind: str) -> Response:
    session = _own_session(registry, room, session_id, request, kind)
    await session.room.close_session(session, LEFT)
    return Response(status_code=200)


async def _patch(registry: RoomRegistry, settings: Settings, room: str, session_id: str, request: Request,
                 kind: str) -> Response:
    """Trickle ICE (204) or an ICE restart (200 with the relay's new fragment), RFC 9725 §4.3."""
    session = _own_session(registry, room, session_id, request, kind)
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


def _endpoint_options(settings: Settings, room: str, request: Request) -> Response:
    headers = {"Accept-Post": "application/sdp", "Allow": ENDPOINT_ALLOW}
    response = Response(status_code=204, headers=headers)
    auth = request.headers.get("authorization")
    if auth is None:
        return response  # no token, no credentials (a CORS preflight never carries one)
    claims = authenticate(auth, room, ROLES)
    return _with_links(response, ice_links.for_user(settings, claims.sub))


@router.delete("/whip/{room}/{session_id}")
async def whip_leave(room: str, session_id: str, request: Request, registry: Registry) -> Response:
    return await _leave(registry, room, session_id, request, "whip")


@router.delete("/whep/{room}/{session_id}")
async def whep_leave(room: str, session_id: str, request: Request, registry: Registry) -> Response:
    return await _leave(registry, room, session_id, request, "whep")


@router.patch("/whip/{room}/{session_id}")
async def whip_patch(room: str, session_id: str, request: Request, registry: Registry,
                     settings: RelaySettings) -> Response:
    return await _patch(registry, settings, room, session_id, request, "whip")


@router.patch("/whep/{room}/{session_id}")
async def whep_patch(room: str, session_id: str, request: Request, registry: Registry,
                     settings: RelaySettings) -> Response:
    return await _patch(registry, settings, room, session_id, request, "whep")


@router.options("/whip/{room}")
async def whip_options(room: str, request: Request, settings: RelaySettings) -> Response:
    return _endpoint_options(settings, room, request)


@router.options("/whep/{room}")
async def whep_options(room: str, request: Request, settings: RelaySettings) -> Response:
    return _endpoint_options(settings, room, request)


@router.options("/whip/{room}/{session_id}")
@router.options("/whep/{room}/{session_id}")
async def session_options(room: str, session_id: str) -> Response:
    return Response(status_code=204, headers={"Accept-Patch": sdpfrag.CONTENT_TYPE, "Allow": SESSION_ALLOW})


@router.api_route("/whip/{room}/{session_id}", methods=["GET", "PUT", "POST"])
@router.api_route("/whep/{room}/{session_id}", methods=["GET", "PUT", "POST"])
async def session_other(room: str, session_id: str) -> Response:
    raise RelayError(405, "method_not_allowed", "a session resource takes PATCH (trickle ICE, ICE restart) "
                     "and DELETE (leave)", {"Allow": SESSION_ALLOW})


# ---- rooms ----------------------------------------------------------------------------------


@router.get("/rooms/{room}")
async def room_status(room: str, request: Request, registry: Registry) -> dict[str, Any]:
    authenticate(request.headers.get("authorization"), room, ROLES)
    live_room = registry.get(room)
    if live_room is None or live_room.ended:
        reason = live_room.end_reason if live_room is not None else registry.ended.get(room)
        return {"room": room, "live": False, "revision": 0, "publishers": [], "viewers": 0,
                "ended": reason is not None, "end_reason": reason}
    return dict(live_room.describe(), live=True, ended=False, end_reason=None)


@router.post("/rooms/{room}/end")
async def end_room(room: str, request: Request, registry: Registry) -> dict[str, Any]:
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


# ---- health and counters --------------------------------------------------------------------


@router.get("/health")
async def health(registry: Registry) -> dict[str, Any]:
    return {"status": "ok", "forwarding": forwarding_installed(), "rooms": len(registry.rooms)}


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, registry: Registry) -> Response:
    if not may_scrape(request.client.host if request.client else None, request.headers):
        raise RelayError(401, "unauthorized", "/metrics answers on loopback, or with the metrics token",
                         {"WWW-Authenticate": 'Bearer realm="tingke-metrics"'})
    return Response(exposition(RelayCollector(lambda: relay_stats(registry))), media_type=CONTENT_TYPE)


@router.get("/stats")
async def stats(request: Request, registry: Registry) -> dict[str, Any]:
    check_stats_access(request.headers.get("authorization"), request.client.host if request.client else None,
                       dict(request.headers))
    return relay_stats(registry)


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
