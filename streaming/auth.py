"""Bearer tokens for the relay: issued by the API (``tingke.signing``, purpose "live"),
scoped to one room (lesson id) and one role. A publishing token also says whether it is the
lesson's master (the broadcaster, a dual lesson's 主讲端): the crowd's live HLS follows the master.
``/stats`` is for the machine itself or an operator (:func:`check_stats_access`)."""

from __future__ import annotations

from dataclasses import dataclass

from streaming.errors import RelayError
from tingke.signing import TokenError, verify_token

ROLES = ("publisher", "classroom", "viewer")
MODES = ("broadcast", "dual")
TOKEN_PURPOSE = "live"
STATS_PURPOSE = "relay-stats"  # an operator's token for GET /stats: sign_token("relay-stats", {}, ttl)
LOOPBACK = ("127.0.0.1", "::1")
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


@dataclass(frozen=True)
class LiveClaims:
    room: str
    role: str
    mode: str
    sub: str
    name: str
    label: str
    master: bool = False
    sv: int | None = None  # the holder's session version when issued: a sign-out since then revokes the token
    request_id: str = ""  # the API request that granted the token (its X-Request-ID), for the logs


def authenticate(authorization: str | None, room: str, allowed_roles: tuple[str, ...]) -> LiveClaims:
    """Check ``Authorization: Bearer <token>`` for ``room`` and one of ``allowed_roles``.

    401 when the token is missing, malformed, forged or expired; 403 when it is valid but
    for another room or role.
    """
    challenge = {"WWW-Authenticate": 'Bearer realm="tingke-relay"'}
    if not authorization or not authorization.lower().startswith("bearer "):
        raise RelayError(401, "unauthorized", "an Authorization: Bearer <token> header is required", challenge)
    token = authorization[7:].strip()
    try:
        raw = verify_token(TOKEN_PURPOSE, token)
    except TokenError as exc:
        raise RelayError(401, "invalid_token", f"the live token is not valid: {exc}", challenge) from exc
    claims = _claims(raw)
    if claims.room != room:
        raise RelayError(403, "wrong_room", "this token is for another room")
    if claims.role not in allowed_roles:
        raise RelayError(403, "wrong_role", f"a {claims.role} token cannot do this (needs {', '.join(allowed_roles)})")
    return claims


def _claims(raw: dict[str, object]) -> LiveClaims:
    role = str(raw.get("role", ""))
    mode = str(raw.get("mode", "broadcast"))
    if role not in ROLES or mode not in MODES or "room" not in raw:
        raise RelayError(401, "invalid_token", "the live token lacks a valid room, role or mode")
    return LiveClaims(
        room=str(raw["room"]),
        role=role,
        mode=mode,
        sub=str(raw.get("sub", "")),
        name=str(raw.get("name", "")),
        label=str(raw.get("label", "")),
        master=raw.get("master") is True,
        sv=_session_version(raw.get("sv")),
        request_id=str(raw.get("rid", ""))[:128],
    )


def _session_version(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_stats_access(authorization: str | None, client_host: str | None, headers: dict[str, str]) -> None:
    """GET /stats names the live lessons and their teachers: only for the machine itself or an operator.

    Allowed: a request from a loopback address that no proxy forwarded (no Forwarded / X-Forwarded-For /
    X-Real-IP header, so a reverse proxy on the same host does not make the world local), or one with a
    bearer token signed for purpose ``relay-stats`` (the shared secret key signs it, like every relay token).
    Otherwise 401.
    """
    local = (client_host in LOOPBACK or (client_host or "").startswith("127.")) and not any(
        h in headers for h in FORWARDING_HEADERS)
    if local:
        return
    challenge = {"WWW-Authenticate": 'Bearer realm="tingke-relay-stats"'}
    if not authorization or not authorization.lower().startswith("bearer "):
        raise RelayError(401, "unauthorized", "/stats answers on loopback, or with an operator's stats token",
                         challenge)
    try:
        verify_token(STATS_PURPOSE, authorization[7:].strip())
    except TokenError as exc:
        raise RelayError(401, "invalid_token", f"the stats token is not valid: {exc}", challenge) from exc
