"""Time-limited TURN credentials in coturn's REST-API scheme (``use-auth-secret``).

The API and the relay share ``TINGKE_TURN_SECRET`` with coturn (``static-auth-secret``); nothing is
stored: the username is ``<expiry unix time>:<user id>`` and the password is
base64(HMAC-SHA1(secret, username)), which coturn recomputes and refuses once the expiry has passed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from tingke.settings import Settings


def credential_for(secret: str, username: str) -> str:
    """The password coturn expects for ``username``."""
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def mint(secret: str, user_id: str, ttl_seconds: int, now: float | None = None) -> tuple[str, str]:
    """(username, password) valid for ``ttl_seconds`` from ``now``."""
    expiry = int(now if now is not None else time.time()) + int(ttl_seconds)
    username = f"{expiry}:{user_id}"
    return username, credential_for(secret, username)


def ice_servers(settings: Settings, user_id: str, now: float | None = None) -> list[dict[str, Any]]:
    """The RTCIceServer list for one user: ``settings.ice_servers`` plus, when a TURN secret and URLs are
    set, one entry with freshly minted credentials. Without them (the embedded default) nothing changes."""
    servers = [dict(s) for s in settings.ice_servers]
    if settings.turn_secret and settings.turn_urls:
        username, credential = mint(settings.turn_secret, user_id, settings.turn_ttl_seconds, now)
        servers.append({"urls": list(settings.turn_urls), "username": username, "credential": credential})
    return servers
