"""ICE configuration comes from settings, and never defaults to an external STUN server."""

from __future__ import annotations

from aiortc import RTCIceServer
from aiortc.rtcicetransport import RTCIceGatherer

from streaming.negotiation import rtc_configuration
from tingke.settings import Settings


def test_no_external_stun_by_default():
    config = rtc_configuration(Settings())
    assert config.iceServers == []
    # aiortc would fall back to Google's STUN server only when iceServers is None.
    gatherer = RTCIceGatherer(config.iceServers)
    assert gatherer._connection.stun_server is None


def test_ice_servers_from_settings_json(monkeypatch):
    monkeypatch.setenv("TINGKE_ICE_SERVERS", '[{"urls": "turn:127.0.0.1:3478", "username": "u", "credential": "p"}]')
    settings = Settings()
    (server,) = rtc_configuration(settings).iceServers or []
    assert isinstance(server, RTCIceServer)
    assert (server.urls, server.username, server.credential) == ("turn:127.0.0.1:3478", "u", "p")
