"""One DTLS certificate across an ICE restart answered by a new peer connection.

aiortc has no ``certificates`` option in ``RTCConfiguration``; the relay restarts ICE with a new
connection, which must keep the fingerprint the client already trusts.
"""

from __future__ import annotations

from aiortc import RTCPeerConnection


def reuse_certificates(pc: RTCPeerConnection, previous: RTCPeerConnection) -> None:
    """Give a new, not yet negotiated ``pc`` the DTLS certificate of ``previous``. Call before adding
    transceivers."""
    attribute = "_RTCPeerConnection__certificates"
    setattr(pc, attribute, list(getattr(previous, attribute)))
