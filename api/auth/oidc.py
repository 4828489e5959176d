"""OpenID Connect sign-in with the district's identity provider, beside local passwords.

Authorization code flow with PKCE (S256), ``state`` and ``nonce`` kept in a short-lived signed cookie, the
ID token's signature checked against the provider's JWKS and its issuer, audience, nonce and times checked
(Authlib for the OAuth client, joserfc — Authlib's JOSE library — for the token). A person is matched by a
configured claim (工号 or phone number) to an imported user; optionally someone unknown is created on first
sign-in into a configured default school.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit.service import record
from api.auth import passwords
from api.errors import APIError
from api.imports.plan import normalize_phone
from api.users.service import school_by_name
from models import User, UserRole
from tingke.settings import get_settings
from tingke.signing import TokenError, sign_token, verify_token

FLOW_COOKIE = "tingke_oidc"
FLOW_PURPOSE = "oidc-flow"
FLOW_TTL = 600
CALLBACK_PATH = "/auth/oidc/callback"
HTTP_TIMEOUT = 10.0


class OIDCError(Exception):
    """A sign-in refused: ``code`` picks the message the login page shows."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail = code, detail


def enabled() -> bool:
    s = get_settings()
    return bool(s.oidc_issuer and s.oidc_client_id)


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None


@lru_cache(maxsize=4)
def _discover(issuer: str) -> Provider:
    try:
        reply = httpx.get(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=HTTP_TIMEOUT)
        reply.raise_for_status()
        doc = reply.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OIDCError("provider_unreachable", str(exc)) from exc
    if doc.get("issuer") != issuer:  # OpenID Connect Discovery §4.3
        raise OIDCError("wrong_issuer", f"discovery names {doc.get('issuer')!r}")
    return Provider(issuer, doc["authorization_endpoint"], doc["token_endpoint"], doc["jwks_uri"],
                    doc.get("userinfo_endpoint"))


def provider() -> Provider:
    return _discover(get_settings().oidc_issuer)


def forget_provider() -> None:
    _discover.cache_clear()


def _client(redirect_uri: str) -> OAuth2Client:
    s = get_settings()
    return OAuth2Client(client_id=s.oidc_client_id, client_secret=s.oidc_client_secret or None,
                        scope=s.oidc_scope, redirect_uri=redirect_uri, code_challenge_method="S256",
                        token_endpoint_auth_method="client_secret_basic" if s.oidc_client_secret else "none",
                        timeout=HTTP_TIMEOUT)


def start(redirect_uri: str, next_path: str) -> tuple[str, str]:
    """The provider's authorization URL to redirect to, and the signed flow cookie to set."""
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    url, _ = _client(redirect_uri).create_authorization_url(provider().authorization_endpoint, state=state,
                                                           nonce=nonce, code_verifier=verifier)
    flow = sign_token(FLOW_PURPOSE, {"state": state, "nonce": nonce, "verifier": verifier, "next": next_path},
                      FLOW_TTL)
    return url, flow


def _read_flow(cookie: str | None) -> dict[str, Any]:
    if not cookie:
        raise OIDCError("flow_missing")
    try:
        return verify_token(FLOW_PURPOSE, cookie)
    except TokenError as exc:
        raise OIDCError("flow_missing", str(exc)) from exc


def _keys() -> KeySet:
    try:
        reply = httpx.get(provider().jwks_uri, timeout=HTTP_TIMEOUT)
        reply.raise_for_status()
        return KeySet.import_key_set(reply.json())
    except (httpx.HTTPError, ValueError, JoseError) as exc:
        raise OIDCError("provider_unreachable", str(exc)) from exc


def verify_id_token(id_token: str, nonce: str) -> dict[str, Any]:
    """Signature (the provider's keys, asymmetric algorithms only), issuer, audience, nonce, expiry."""
    s = get_settings()
    try:
        token = jwt.decode(id_token, _keys(), algorithms=["RS256", "ES256", "PS256", "EdDSA"])
    except (JoseError, ValueError) as exc:
        raise OIDCError("bad_token", str(exc)) from exc
    claims = token.claims
    if claims.get("iss") != s.oidc_issuer:
        raise OIDCError("wrong_issuer", f"iss={claims.get('iss')!r}")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if s.oidc_client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != s.oidc_client_id):
        raise OIDCError("wrong_audience", f"aud={audience!r}")
    if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
        raise OIDCError("bad_nonce")
    registry = jwt.JWTClaimsRegistry(leeway=60, exp={"essential": True}, iat={"essential": True},
                                     sub={"essential": True})
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise OIDCError("bad_token", str(exc)) from exc
    return dict(claims)


def finish(session: Session, redirect_uri: str, cookie: str | None, state: str | None, code: str | None,
           error: str | None) -> tuple[User, str]:
    """The provider sent the browser back: check state, trade the code (with the PKCE verifier) for tokens,
    verify the ID token, find (or create) the person. Returns the user and where to go next."""
    flow = _read_flow(cookie)
    if error:
        raise OIDCError("provider_refused", error[:200])
    if not state or not hmac.compare_digest(str(flow["state"]), state):
        raise OIDCError("bad_state")
    if not code:
        raise OIDCError("provider_refused", "no code")
    client = _client(redirect_uri)
    try:
        tokens = client.fetch_token(provider().token_endpoint, code=code, code_verifier=flow["verifier"])
    except Exception as exc:  # Authlib raises OAuthError, httpx its own: both mean the exchange failed
        raise OIDCError("token_exchange_failed", str(exc)[:300]) from exc
    if "id_token" not in tokens:
        raise OIDCError("bad_token", "no id_token")
    claims = verify_id_token(tokens["id_token"], str(flow["nonce"]))
    claim = get_settings().oidc_match_claim
    if claim not in claims and provider().userinfo_endpoint:
        info = client.get(provider().userinfo_endpoint).json()
        if isinstance(info, dict) and info.get("sub") == claims["sub"]:
            claims.update({k: v for k, v in info.items() if k not in ("iss", "aud", "nonce")})
    return match_user(session, claims), str(flow.get("next") or "/")


def match_user(session: Session, claims: dict[str, Any]) -> User:
    s = get_settings()
    value = claims.get(s.oidc_match_claim)
    if not isinstance(value, str | int) or not str(value).strip():
        raise OIDCError("no_match_claim", s.oidc_match_claim)
    key = str(value).strip()
    column = User.phone if s.oidc_match_field == "phone" else User.employee_no
    if s.oidc_match_field == "phone":
        key = normalize_phone(key)
    user = session.scalar(select(User).where(column == key))
    if user is None:
        if not s.oidc_create_users or not s.oidc_default_school:
            raise OIDCError("unknown_person", key)
        user = _create(session, claims, key)
    if not user.is_active:
        raise OIDCError("inactive")
    return user


def _create(session: Session, claims: dict[str, Any], key: str) -> User:
    """Someone the office has not imported yet, made a teacher of the configured default school."""
    s = get_settings()
    try:
        school = school_by_name(session, s.oidc_default_school)
    except APIError as exc:
        raise OIDCError(exc.code, s.oidc_default_school) from exc
    plain = key.replace("_", "").replace("-", "")
    username = key if plain.isascii() and plain.isalnum() and len(key) <= 64 else f"oidc-{int(time.time())}"
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        username = f"{username}-{secrets.token_hex(3)}"
    name = str(claims.get("name") or claims.get("preferred_username") or key)[:100]
    user = User(username=username, display_name=name, role=UserRole.teacher, school_id=school.id,
                password_hash=passwords.hash_one_time(passwords.new_one_time_password()),  # nobody knows it
                **{s.oidc_match_field: key})
    session.add(user)
    session.flush()
    record(session, user, "user.create", target_type="user", target_id=user.id, school_id=school.id,
           summary=f"{name}（{username}）", via="oidc")  # made by their own first sign-in
    return user
