"""Signed tokens and signed media URLs, shared by the API, the relay and the workers.

Tokens are ``base64url(json).base64url(hmac)`` with a purpose mixed into the MAC, so a
sign-in token can never be replayed as a live-room token. Media URLs use nginx's
``secure_link`` scheme (``md5(expires + uri + " " + secret)``) so that nginx or a CDN can
check them instead of the API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from tingke.settings import get_settings


class TokenError(Exception):
    """The token is malformed, forged, for another purpose, or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(purpose: str, body: str, key: bytes) -> str:
    return _b64(hmac.new(key, f"{purpose}.{body}".encode(), hashlib.sha256).digest())


def sign_token(purpose: str, claims: dict[str, Any], ttl_seconds: int, *, key: bytes | None = None) -> str:
    payload = dict(claims, exp=int(time.time()) + int(ttl_seconds))
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_mac(purpose, body, key or get_settings().signing_key())}"


def verify_token(purpose: str, token: str, *, key: bytes | None = None) -> dict[str, Any]:
    try:
        body, mac = token.strip().split(".")
    except ValueError as exc:
        raise TokenError("malformed token") from exc
    if not hmac.compare_digest(mac, _mac(purpose, body, key or get_settings().signing_key())):
        raise TokenError("bad signature")
    try:
        claims = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenError("malformed token") from exc
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        raise TokenError("malformed token")
    if claims["exp"] < time.time():
        raise TokenError("token expired")
    return claims


def secure_link_hash(uri: str, expires: int, *, key: bytes | None = None, viewer: str = "") -> str:
    """nginx ``secure_link_md5 "$secure_link_expires$uri$arg_v $secret"``, base64url without padding.

    ``viewer`` (the ``v`` argument) names who the link was issued to, for the audit log: it is part of the
    hash, so it cannot be removed or changed; without one the hash is nginx's plain form."""
    secret = (key or get_settings().signing_key()).decode()
    return _b64(hashlib.md5(f"{expires}{uri}{viewer} {secret}".encode()).digest())


def sign_media_url(uri: str, ttl_seconds: int | None = None) -> str:
    """Append ``md5`` and ``expires`` query parameters to a path such as ``/media/12/hls/master.m3u8``."""
    ttl = ttl_seconds if ttl_seconds is not None else get_settings().media_url_ttl_seconds
    expires = int(time.time()) + ttl
    return f"{uri}?md5={secure_link_hash(uri, expires)}&expires={expires}"


def check_media_url(uri: str, md5: str | None, expires: str | int | None, viewer: str | None = None) -> bool:
    if not md5 or expires is None:
        return False
    try:
        exp = int(expires)
    except (TypeError, ValueError):
        return False
    return exp >= time.time() and hmac.compare_digest(md5, secure_link_hash(uri, exp, viewer=viewer or ""))
