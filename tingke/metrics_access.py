"""Who may read a plane's Prometheus ``/metrics``: the machine itself, or a scraper holding the token.

The counters name no person, but route and room counts are still nobody else's business, and a
scrape costs a database query. Allowed: a loopback request that no proxy forwarded (no Forwarded /
X-Forwarded-For / X-Real-IP header, so nginx on the same host does not make the world local), or
``Authorization: Bearer <TINGKE_METRICS_TOKEN>`` when that setting is not empty.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from tingke.settings import get_settings

FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def may_scrape(client_host: str | None, headers: Mapping[str, str]) -> bool:
    """True when this request may read /metrics (see the module docstring)."""
    local = (client_host == "::1" or (client_host or "").startswith("127.")) and not any(
        h in headers for h in FORWARDING_HEADERS)
    if local:
        return True
    token = get_settings().metrics_token
    authorization = headers.get("authorization", "")
    if not token or not authorization.lower().startswith("bearer "):
        return False
    return hmac.compare_digest(authorization[7:].strip().encode(), token.encode())
