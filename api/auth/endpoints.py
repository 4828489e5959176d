"""Sign-in endpoints: a bearer token for API clients, an HttpOnly cookie for the pages."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from api.auth import service, tokens
from api.auth.schemas import MeOut, PasswordChangeIn, TokenOut
from api.deps import DB, CurrentUser, optional_user
from models import User
from tingke.settings import get_settings

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/token", response_model=TokenOut, summary="Sign in (OAuth2 password form) and get a bearer token")
def token(session: DB, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenOut:
    user = service.authenticate(session, form.username, form.password)
    return TokenOut(access_token=tokens.issue(user), expires_in=get_settings().session_ttl_seconds)


def start_session(response: Response, user: User, request: Request) -> None:
    """Set the HttpOnly session cookie and a CSRF cookie that page scripts echo back."""
    secure = request.url.scheme == "https"
    ttl = get_settings().session_ttl_seconds
    response.set_cookie(tokens.SESSION_COOKIE, tokens.issue(user), max_age=ttl, httponly=True,
                        samesite="lax", secure=secure, path="/")
    csrf = request.cookies.get(tokens.CSRF_COOKIE) or secrets.token_urlsafe(24)
    response.set_cookie(tokens.CSRF_COOKIE, csrf, max_age=ttl, httponly=False, samesite="lax",
                        secure=secure, path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(tokens.SESSION_COOKIE, path="/")


@router.post("/session", response_model=MeOut, summary="Sign in and receive the session cookie (pages)")
def create_session(
    request: Request, response: Response, session: DB, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> MeOut:
    user = service.authenticate(session, form.username, form.password)
    start_session(response, user, request)
    return me_out(user)


@router.delete("/session", status_code=204, summary="Sign out: every session of the user ends, on every device")
def delete_session(session: DB, response: Response, user: Annotated[User | None, Depends(optional_user)]) -> Response:
    """A cookie caller must send the CSRF token (optional_user checks it, as for every other write), or a
    page of another site could sign people out. Without a valid session there is nothing to end but the cookie."""
    if user is not None:
        service.revoke_sessions(session, user)
    end_session(response)
    response.status_code = 204
    return response


@router.post("/password", response_model=TokenOut, summary="Change my password (signs out my other sessions)")
def change_password(data: PasswordChangeIn, request: Request, response: Response, session: DB,
                    user: CurrentUser) -> TokenOut:
    """The current password is required and throttled like a sign-in. Every earlier token and cookie of the
    user stops working; this client gets a fresh token (and a fresh cookie when it signed in with one)."""
    service.change_password(session, user, data.current_password, data.new_password)
    if request.cookies.get(tokens.SESSION_COOKIE):
        start_session(response, user, request)
    return TokenOut(access_token=tokens.issue(user), expires_in=get_settings().session_ttl_seconds)


@router.get("/me", response_model=MeOut)
def me(user: CurrentUser) -> MeOut:
    return me_out(user)


def me_out(user: User) -> MeOut:
    return MeOut(
        id=user.id, username=user.username, display_name=user.display_name, role=user.role,
        school_id=user.school_id, school_name=user.school.name if user.school else None, language=user.language,
        must_change_password=user.must_change_password,
    )
