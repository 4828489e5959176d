"""Request dependencies: who is calling (bearer token or session cookie) and CSRF for cookie posts."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.access import AccessContext, load_context
from api.auth import tokens
from api.db import get_session
from api.errors import APIError
from models import User

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

DB = Annotated[Session, Depends(get_session)]


def _unauthenticated() -> APIError:
    return APIError(401, "not_authenticated", "Please sign in.", headers={"WWW-Authenticate": "Bearer"})


async def _check_csrf(request: Request) -> None:
    expected = request.cookies.get(tokens.CSRF_COOKIE, "")
    sent = request.headers.get(tokens.CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else ""
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise APIError(403, "csrf_failed", "The form expired or came from another site. Reload the page.")


async def optional_user(
    request: Request, session: DB, bearer: Annotated[str | None, Depends(oauth2)]
) -> User | None:
    token = bearer or request.cookies.get(tokens.SESSION_COOKIE)
    if not token:
        return None
    claims = tokens.read(token)
    # In a worker thread: a blocking database call here would stop the event loop, and with the connection
    # pool exhausted by a burst of requests the loop could never run the requests that would return one.
    user = await run_in_threadpool(session.get, User, claims["uid"]) if claims else None
    if user is None or not user.is_active or user.session_version != claims.get("sv"):  # type: ignore[union-attr]
        if bearer:
            raise _unauthenticated()
        return None
    if not bearer and request.method not in SAFE_METHODS:
        await _check_csrf(request)
    return user


# While a one-time password is in use, only signing in, out and choosing a new password are open.
PASSWORD_CHANGE_OPEN = ("/api/auth/",)


async def current_user(request: Request, user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise _unauthenticated()
    if user.must_change_password and not request.url.path.startswith(PASSWORD_CHANGE_OPEN):
        raise APIError(403, "password_change_required", "Choose a new password first (POST /api/auth/password).")
    return user


def access_context(session: DB, user: Annotated[User, Depends(current_user)]) -> AccessContext:
    return load_context(session, user)


CurrentUser = Annotated[User, Depends(current_user)]
Access = Annotated[AccessContext, Depends(access_context)]
