"""Turn a WHIP or WHEP offer into a peer connection and its answer (non-trickle: the answer
carries every ICE candidate, because aiortc gathers them all in setLocalDescription).

WHIP (publish): one audio and/or one video section, sending; each restricted to what the relay
forwards (VP8, H.264, Opus) and, for a reconnecting publisher, to the codec it used before.

WHEP (watch): each audio/video section of the offer, in order, is bound to the next published
hub of that kind whose codec it offers; the transceiver is restricted to exactly the publisher's
codec (and H.264 profile) BEFORE the answer. Sections with nothing to bind are answered
inactive, so a viewer offering fewer kinds than are published is served what it asked for.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.exceptions import InternalError, InvalidAccessError, InvalidStateError, OperationError

from streaming import lesson_store
from streaming.aiortc_bridge.certificates import reuse_certificates
from streaming.aiortc_bridge.codecs import (
    codec_key,
    codecs_compatible,
    forwardable_codecs,
    negotiated_codec,
    restrict_codecs,
)
from streaming.aiortc_bridge.inbound import receive_directly
from streaming.aiortc_bridge.keyframes import redirect_keyframe_requests
from streaming.auth import LiveClaims
from streaming.errors import RelayError
from streaming.rooms import Room, RoomRegistry, Session
from streaming.sdp_offer import Offer
from streaming.sdpfrag import SdpFrag

log = logging.getLogger(__name__)

NEGOTIATION_ERRORS = (ValueError, KeyError, IndexError, OperationError, InvalidAccessError,
                      InvalidStateError, InternalError)


def rtc_configuration(settings: Any, bundled: bool = True) -> RTCConfiguration:
    """ICE servers from settings (an empty list means host candidates only, no external STUN), and
    how the sections share transports.

    ``bundled`` (the offer puts every section in one BUNDLE group, as browsers do) must be answered
    with max-bundle: every transceiver on the first one's transport from the start. aiortc's
    default, "balanced", gives each kind's first transceiver a transport of its own and the later
    ones of that kind the same; applying the offer's BUNDLE then moves only the not-yet-bundled
    transceivers onto the first section's transport and stops the others' transports, so a second
    section of a kind already seen stays on a stopped transport and receives nothing. An observer's
    offer for two classrooms (audio, video, audio, video) thus got one classroom's video and never
    the other's. Without BUNDLE, every section gets its own transport (max-compat)."""
    servers = [
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in settings.ice_servers
    ]
    policy = RTCBundlePolicy.MAX_BUNDLE if bundled else RTCBundlePolicy.MAX_COMPAT
    return RTCConfiguration(iceServers=servers, bundlePolicy=policy)


async def _answer(pc: RTCPeerConnection, offer: Offer) -> str:
    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer.text, type="offer"))
    except OperationError as exc:
        raise RelayError(422, "no_usable_codec", f"no codec in the offer can be forwarded: {exc}") from exc
    except NEGOTIATION_ERRORS as exc:
        raise RelayError(400, "malformed_sdp", f"the offer was refused: {exc}") from exc
    try:
        answer = await pc.createAnswer()
        await pc.setLocalDescription(answer)
    except NEGOTIATION_ERRORS as exc:
        raise RelayError(422, "negotiation_failed", f"could not answer the offer: {exc}") from exc
    return str(pc.localDescription.sdp)


def _watch(room: Room, session: Session) -> None:
    pc = session.pc  # after an ICE restart the session has a new one: the old one's end is not the session's

    @pc.on("connectionstatechange")
    async def _on_state() -> None:
        if pc is session.pc and pc.connectionState in ("failed", "closed"):
            await room.close_session(session)


async def publish(registry: RoomRegistry, claims: LiveClaims, offer: Offer) -> tuple[Session, str]:
    """WHIP: admit the publisher, negotiate, attach its tracks to the room's hubs."""
    kinds = [m.kind for m in offer.media]
    if len(set(kinds)) != len(kinds):
        raise RelayError(400, "too_many_tracks", "publish at most one audio and one video section")
    if not any(m.sends for m in offer.media):
        raise RelayError(400, "nothing_published", "the offer does not send any audio or video")
    await _check_holder(registry, claims)
    earlier = await _check_lesson(registry, claims)
    room = registry.open(claims.room, claims.mode)
    async with room.lock:
        if room.ended:
            raise RelayError(409, "room_ending", "this lesson is ending; publish again in a moment")
        room.continue_clock(earlier)  # a resumed lesson: its clock continues after the earlier parts
        publisher = room.admit_publisher(claims)
        previous = publisher.session
        if previous is not None:
            await room.close_session(previous)  # same user reconnecting: replace the old session
        try:
            pc, answer, tracks = await _publisher_pc(registry, publisher, offer)
        except RelayError:
            room.abandon(publisher)
            raise
        session = room.new_session("whip", claims, pc, publisher.label, offer.text)
        room.publisher_started(publisher, session, tracks)
        _watch(room, session)
    return session, answer


async def _check_holder(registry: RoomRegistry, claims: LiveClaims) -> None:
    """The token's holder must still be signed in (a sign-out revokes their live tokens too). If the database
    cannot say, a publisher coming back to a room live here is let in (a blip must not cut a lesson);
    anyone else waits."""
    try:
        await asyncio.to_thread(lesson_store.check_holder, claims)
    except RelayError as exc:
        room = registry.get(claims.room)
        live_here = room is not None and room.live
        if exc.code == "lesson_store_unavailable" and live_here and claims.role in ("publisher", "classroom"):
            log.warning("room %s: publisher %s let back in without the holder check", claims.room, claims.sub)
            return
        raise


async def _check_lesson(registry: RoomRegistry, claims: LiveClaims) -> float | None:
    """A room live on this relay is its lesson's live session: its publishers may come back without
    asking (a database blip must not cut a lesson). Any other publisher opens or reopens the lesson,
    which the database must still call scheduled or live: a token outlives the lesson it was for.
    Returns the seconds its earlier parts recorded (None for a room already live here)."""
    room = registry.get(claims.room)
    if room is not None and room.live:
        return None
    return await asyncio.to_thread(lesson_store.check_publishable, claims.room)


def _in_offer_order(allowed: list[Any], offered: list[Any]) -> list[Any]:
    """``allowed`` sorted by the offer's codec order: aiortc answers in the order of the
    transceiver's preferences, so without this a browser that prefers H.264 (for the crowd HLS to
    copy) would be answered VP8 first and send VP8."""
    def rank(codec: Any) -> int:
        return next((i for i, o in enumerate(offered) if codecs_compatible(o, codec)), len(offered))
    return sorted(allowed, key=rank)


def _offers_codec(offered: list[Any], codec: Any) -> bool:
    return any(codecs_compatible(o, codec) for o in offered)


async def _publisher_pc(registry: RoomRegistry, publisher: Any, offer: Offer, previous: RTCPeerConnection | None = None,
                        ) -> tuple[RTCPeerConnection, str, dict[str, Any]]:
    """A receiving peer connection for a publisher's offer: (pc, answer, kind -> (track, receiver,
    codec)). ``previous``: an ICE restart, whose new connection keeps the old one's DTLS certificate (the
    fingerprint the client already has). On a refusal the new connection is closed."""
    pc = RTCPeerConnection(rtc_configuration(registry.settings, offer.bundled))
    if previous is not None:
        reuse_certificates(pc, previous)
    transceivers = {}
    for media in offer.media:
        transceiver = pc.addTransceiver(media.kind, direction="recvonly")
        allowed = forwardable_codecs(media.kind)
        hub = publisher.hubs.get(media.kind)
        if hub is not None and any(
            codec_key(c) == codec_key(hub.codec) for c in allowed
        ) and _offers_codec(media.codecs, hub.codec):
            allowed = [hub.codec]  # a reconnect keeps the codec, so subscribers stay subscribed
        else:
            allowed = _in_offer_order(allowed, media.codecs)  # the publisher's preference wins
        restrict_codecs(transceiver, allowed)
        transceivers[media.kind] = transceiver
    try:
        answer = await _answer(pc, offer)
    except RelayError:
        await pc.close()
        raise
    tracks = {}
    for kind, transceiver in transceivers.items():
        track = transceiver.receiver.track
        codec = negotiated_codec(transceiver)
        if track is not None and codec is not None:
            receive_directly(transceiver.receiver)  # no per-packet queue, no thread hop
            tracks[kind] = (track, transceiver.receiver, codec)
    if not tracks:
        await pc.close()
        raise RelayError(422, "no_usable_codec", "nothing in the offer can be forwarded")
    return pc, answer, tracks


async def watch(registry: RoomRegistry, claims: LiveClaims, offer: Offer) -> tuple[Session, str]:
    """WHEP: bind the offer's sections to published hubs and answer."""
    await _check_holder(registry, claims)
    room = registry.get(claims.room)
    if room is None or room.ended:
        raise RelayError(404, "not_live", "nobody is publishing in this lesson yet; try again shortly")
    own_label = room.publisher_label(claims) if claims.role == "classroom" else ""
    async with room.lock:
        pc, answer, bound = await _viewer_pc(registry, room, own_label, offer)
        session = room.new_session("whep", claims, pc, own_label, offer.text)
        session.bind(*_sends(bound))
        _watch(room, session)
    return session, answer


async def _viewer_pc(registry: RoomRegistry, room: Room, own_label: str, offer: Offer,
                     previous: RTCPeerConnection | None = None) -> tuple[RTCPeerConnection, str, list[Any]]:
    """A sending peer connection for a viewer's offer: (pc, answer, bound sections). ``previous``: an
    ICE restart (the new connection keeps its DTLS certificate). On a refusal the new one is closed."""
    sources = room.sources_for(own_label)
    if not sources:
        raise RelayError(404, "not_live", "nothing is being published in this lesson yet; try again shortly")
    pc = RTCPeerConnection(rtc_configuration(registry.settings, offer.bundled))
    if previous is not None:
        reuse_certificates(pc, previous)
    bound = []
    free = list(sources)
    for media in offer.media:
        match = None
        if media.receives:
            match = next(
                ((p, hub) for p, hub in free if hub.kind == media.kind and _offers_codec(media.codecs, hub.codec)),
                None,
            )
        if match is None:
            pc.addTransceiver(media.kind, direction="inactive")
            continue
        free.remove(match)
        publisher, hub = match
        track = hub.subscribe(packetized=True)
        transceiver = pc.addTransceiver(track, direction="sendonly")
        restrict_codecs(transceiver, [hub.codec])
        track.send_directly(transceiver.sender)
        bound.append((transceiver, hub, track, publisher))
    if not bound:
        await pc.close()
        kinds = sorted({hub.kind for _, hub in sources})
        raise RelayError(422, "no_usable_codec",
                         f"the offer receives none of what is published here ({', '.join(kinds)} with "
                         f"{', '.join(sorted({hub.codec.mimeType for _, hub in sources}))})")
    try:
        answer = await _answer(pc, offer)
    except RelayError:
        for _, _, track, _ in bound:
            track.stop()
        await pc.close()
        raise
    return pc, answer, bound


def _sends(bound: list[Any]) -> tuple[list[RTCRtpSender], list[dict[str, str]]]:
    """The senders of a viewer's bound sections, with their keyframe requests sent on to the publisher,
    and which publisher each mid carries."""
    senders = []
    tracks = []
    for transceiver, hub, _track, publisher in bound:
        redirect_keyframe_requests(transceiver.sender, hub.request_keyframe)
        senders.append(transceiver.sender)
        tracks.append({"mid": str(transceiver.mid), "label": publisher.label,
                       "name": publisher.name, "kind": hub.kind})
    return senders, tracks


async def restart_ice(registry: RoomRegistry, session: Session, offer: Offer) -> str:
    """An ICE restart on an existing WHIP/WHEP session, as a renegotiation inside the same session resource.

    aiortc 1.16 cannot restart ICE on a live peer connection (its RTCIceTransport starts once; there is no
    restartIce), so the relay answers the restarted offer with a NEW peer connection under the SAME session
    (same id, Location, token): it keeps the old connection's DTLS certificate, so the fingerprint the
    client has stays valid; a publisher keeps its label, hubs, subscribers and recording (no gap is
    opened, no "gone", no revision bump), a viewer keeps its session. The client's side must then run a
    new DTLS handshake on the new ICE transport (an aiortc client, or a page that makes a new peer
    connection with the same certificate). Only once the new connection is answered is the old one closed;
    a refused restart leaves the session as it was."""
    room = session.room
    async with room.lock:
        if session.closed or room.ended:
            raise RelayError(404, "no_session", "no such session (it may have ended already)")
        old = session.pc
        if session.kind == "whip":
            publisher = room.publishers.get(session.label)
            if publisher is None or publisher.session is not session:
                raise RelayError(404, "no_session", "this publishing session was replaced by a newer one")
            pc, answer, tracks = await _publisher_pc(registry, publisher, offer, previous=old)
            room.publisher_restarted(publisher, session, pc, tracks, offer.text)
        else:
            pc, answer, bound = await _viewer_pc(registry, room, session.label, offer, previous=old)
            room.viewer_restarted(session, pc, *_sends(bound), offer.text)
        _watch(room, session)
    await old.close()
    return answer


async def add_candidates(session: Session, frag: SdpFrag) -> None:
    """Trickle ICE: hand the fragment's candidates (and end-of-candidates) to the ICE transport of
    their section (aioice pairs and checks candidates added while connecting; a bundled section's are
    the first section's transport). 400 for a section the session does not have."""
    transceivers = session.pc.getTransceivers()
    by_mid = {str(t.mid): t for t in transceivers}
    for section in frag.sections:
        transceiver = by_mid.get(section.mid) if section.mid is not None else next(iter(transceivers), None)
        if transceiver is None:
            raise RelayError(400, "unknown_mid", f"this session has no media section with mid {section.mid!r}")
        transport = transceiver.receiver.transport.transport
        for candidate in section.candidates:
            candidate.sdpMid = str(transceiver.mid)
            await transport.addRemoteCandidate(candidate)
        if section.end_of_candidates:
            await transport.addRemoteCandidate(None)


async def close_all(sessions: list[Session]) -> None:
    await asyncio.gather(*(s.room.close_session(s) for s in sessions), return_exceptions=True)
