"""Signed tokens and signed media URLs, shared by the API, the relay and the workers.

Tokens are ``base64url(json).base64url(hmac)`` with a purpose mixed into the MAC, so a
sign-in token can never be replayed as a live-room token. Media URLs use nginx's
``secure_link`` scheme (``md5(expires + scope + viewer + " " + secret)``) so that nginx or a CDN can
check them instead of the API.

The signature covers a lesson's media *scope* (``/media/lessons/<id>/`` or ``/media/live/<id>/``), not
each file: a link opens only that lesson's files, and every line of a playlist carries the same query, so
a 45-minute lesson's playlist of 1,350 segments compresses to a few KB instead of one signature per line
(about 30 KB: seconds on a rural 100 kbit/s link before the first sound). nginx computes the scope with a
``map``, e.g. ``map $uri $media_scope { "~^(?<s>/media/(lessons|live)/[0-9]+/)" $s; }`` and
``secure_link_md5 "$secure_link_expires$media_scope$arg_v $secret"``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import posixpath
import re
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


_SCOPE = re.compile(r"^/media/(?:lessons|live)/[0-9]+/")


def media_scope(uri: str) -> str:
    """What a media link's signature covers: the lesson's media prefix (the URI itself outside one)."""
    match = _SCOPE.match(uri)
    return match.group(0) if match else uri


def secure_link_hash(uri: str, expires: int, *, key: bytes | None = None, viewer: str = "") -> str:
    """nginx ``secure_link_md5 "$secure_link_expires$media_scope$arg_v $secret"``, base64url without padding,
    for the scope of ``uri`` (:func:`media_scope`).

    ``viewer`` (the ``v`` argument) names who the link was issued to, for the audit log: it is part of the
    hash, so it cannot be removed or changed; without one the hash is nginx's plain form."""
    secret = (key or get_settings().signing_key()).decode()
    return _b64(hashlib.md5(f"{expires}{media_scope(uri)}{viewer} {secret}".encode()).digest())


def sign_media_url(uri: str, ttl_seconds: int | None = None) -> str:
    """Append ``md5`` and ``expires`` query parameters to a path such as ``/media/12/hls/master.m3u8``."""
    ttl = ttl_seconds if ttl_seconds is not None else get_settings().media_url_ttl_seconds
    expires = int(time.time()) + ttl
    return f"{uri}?md5={secure_link_hash(uri, expires)}&expires={expires}"


def check_media_url(uri: str, md5: str | None, expires: str | int | None, viewer: str | None = None) -> bool:
    """Whether the link is signed for ``uri``'s scope and not expired. A path that is not in its plain form
    (``..``, ``.``, ``//``) is refused: the signature covers a prefix, so the path must stay under it."""
    if not md5 or expires is None or posixpath.normpath(uri) != uri:
        return False
    try:
        exp = int(expires)
    except (TypeError, ValueError):
        return False
    return exp >= time.time() and hmac.compare_digest(md5, secure_link_hash(uri, exp, viewer=viewer or ""))
