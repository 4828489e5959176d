"""ICE servers as ``Link: <url>; rel="ice-server"`` headers (RFC 9725 §4.6), so that OBS and other
standard WHIP/WHEP clients, which never see the API's grant, get the TURN server too.

Credentials are minted per token holder with the shared TURN secret (``tingke.turn``); they are only
ever sent to a request that carried a valid live token.
"""

from __future__ import annotations

from typing import Any

from tingke.settings import Settings
from tingke.turn import ice_servers


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def link_values(servers: list[dict[str, Any]]) -> list[str]:
    """One Link value per URL of each RTCIceServer dict."""
    values = []
    for server in servers:
        urls = server.get("urls") or []
        for url in [urls] if isinstance(urls, str) else urls:
            value = f'<{url}>; rel="ice-server"'
            if server.get("username"):
                value += f'; username={_quoted(str(server["username"]))}'
            if server.get("credential"):
                value += f'; credential={_quoted(str(server["credential"]))}; credential-type="password"'
            values.append(value)
    return values


def for_user(settings: Settings, user_id: str) -> list[str]:
    """The Link values for one token holder: the configured ICE servers and freshly minted TURN ones."""
    return link_values(ice_servers(settings, user_id))
