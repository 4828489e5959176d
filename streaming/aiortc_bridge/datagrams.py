"""A publisher's SRTP/SRTCP datagrams, from the socket straight into aiortc's SRTP handling.

aioice parses each datagram as STUN and queues it for ``RTCDtlsTransport``'s receive task: a failed
parse, a task wake-up and three awaited layers per packet. Here the socket's protocol hands RTP and
RTCP to the transport's own SRTP branch synchronously (aiortc's statistics, NACKs and jitter buffer
unchanged), and media packets of a routed ssrc go on as bytes (:mod:`.media_route`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pylibsrtp
from aiortc import RTCDtlsTransport
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtp import RtpPacket, is_rtcp

from streaming.aiortc_bridge.coroutines import run_now
from streaming.aiortc_bridge.counters import COUNTERS
from streaming.aiortc_bridge.media_route import MediaRoute
from streaming.rtp_bytes import HEADER_SIZE, SSRC, is_rtp_or_rtcp, ntp_now_ms

log = logging.getLogger(__name__)


def _routes_of(dtls: RTCDtlsTransport) -> dict[bytes, MediaRoute]:
    routes: dict[bytes, MediaRoute] = vars(dtls).setdefault("_tingke_media_routes", {})
    return routes


def _handle_srtp(dtls: RTCDtlsTransport, data: bytes, routes: dict[bytes, MediaRoute]) -> None:
    """``RTCDtlsTransport._recv_next``'s SRTP/SRTCP branch, called synchronously; media packets of
    an ssrc with a route skip aiortc's parsing and routing (see :class:`MediaRoute`)."""
    dtls._RTCDtlsTransport__rx_bytes += len(data)  # type: ignore[attr-defined]
    dtls._RTCDtlsTransport__rx_packets += 1  # type: ignore[attr-defined]
    COUNTERS.datagrams_inline += 1
    try:
        if is_rtcp(data):
            run_now(dtls._handle_rtcp_data(dtls._rx_srtp.unprotect_rtcp(data)))
            return
        plain = dtls._rx_srtp.unprotect(data)
        if len(plain) < HEADER_SIZE:
            return
        route = routes.get(plain[SSRC])
        if route is not None:
            COUNTERS.packets_routed += 1
            route.handle(plain)
            return
        try:
            packet = RtpPacket.parse(plain, dtls._rtp_header_extensions_map)
        except ValueError:
            return
        receiver = dtls._rtp_router.route_rtp(packet)
        if receiver is None:
            return
        route = MediaRoute.discover(receiver, packet)
        if route is not None:
            routes[plain[SSRC]] = route
            route.handle(plain)
        else:
            run_now(receiver._handle_rtp_packet(packet, arrival_time_ms=ntp_now_ms()))
    except pylibsrtp.Error as exc:
        log.debug("SRTP unprotect failed: %s", exc)
    except Exception:  # aiortc's receive loop would have died here; keep serving the next packet
        log.exception("inbound RTP/RTCP handling failed")


def deliver_datagrams_inline(dtls: RTCDtlsTransport) -> None:
    """Hand ``dtls``'s SRTP/SRTCP datagrams to aiortc's RTP/RTCP handlers as they arrive.

    Once DTLS is connected and SRTP keyed, a datagram whose first byte is RTP/RTCP's goes straight
    from the socket's protocol (``StunProtocol.datagram_received``, replaced on this connection's
    sockets) to the handlers. DTLS records (shutdown alerts, data channels), STUN and anything
    before keying take aioice's path as before, and closing the connection still ends aiortc's
    loop. Sockets bound after this call (call it after ``setLocalDescription``, which gathers)
    still skip the queue, through ``Connection.data_received``.
    """
    connection = dtls.transport._connection
    routes = _routes_of(dtls)
    if "data_received" not in vars(connection):  # not yet installed (bundled transceivers share it)
        # sockets bound later (candidates gathered after this call) skip the STUN parse only
        connection.data_received = _srtp_first(dtls, routes, connection.data_received)  # type: ignore[method-assign,assignment]
    for protocol in connection._protocols:
        if "datagram_received" not in vars(protocol):
            protocol.datagram_received = _srtp_first(dtls, routes, protocol.datagram_received)  # type: ignore[method-assign,assignment]


def _srtp_first(dtls: RTCDtlsTransport, routes: dict[bytes, MediaRoute],
                aioice_path: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    def datagram_received(data: Any, addr: Any) -> None:
        if data and is_rtp_or_rtcp(data[0]) and dtls._rx_srtp is not None and dtls._state is DtlsState.CONNECTED:
            _handle_srtp(dtls, data, routes)
        else:
            aioice_path(data, addr)

    return datagram_received
