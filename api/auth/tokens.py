"""Sign-in tokens: the same signed value serves as bearer token and as the session cookie."""

from __future__ import annotations

from typing import Any

from models import User
from tingke.settings import get_settings
from tingke.signing import TokenError, sign_token, verify_token

PURPOSE = "auth"
SESSION_COOKIE = "tingke_session"
CSRF_COOKIE = "tingke_csrf"
CSRF_HEADER = "X-CSRF-Token"


def issue(user: User) -> str:
    return sign_token(PURPOSE, {"uid": user.id, "sv": user.session_version}, get_settings().session_ttl_seconds)


def read(token: str) -> dict[str, Any] | None:
    try:
        claims = verify_token(PURPOSE, token)
    except TokenError:
        return None
    return claims if isinstance(claims.get("uid"), int) else None
