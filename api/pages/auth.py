"""Sign-in, sign-out and password pages, the language switch, and the translation table for scripts."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import passwords, service, tokens
from api.auth.endpoints import end_session, start_session
from api.deps import DB, optional_user
from api.errors import APIError
from api.kit import assets
from api.pages.deps import PageUser, safe_next
from api.pages.i18n import LANG_COOKIE, LANGUAGES, table_json
from api.pages.rendering import render
from models import User

router = APIRouter(include_in_schema=False)


def _csrf_ok(request: Request, sent: str) -> bool:
    expected = request.cookies.get(tokens.CSRF_COOKIE, "")
    return bool(expected and sent and hmac.compare_digest(expected, sent))


def _throttled(again: Callable[..., Response], exc: APIError) -> Response:
    """The form again, saying how long to wait (a throttled sign-in or password change), with Retry-After."""
    seconds = (exc.headers or {}).get("Retry-After", "")
    response = again("login.error.throttled", 429, seconds=seconds)
    response.headers["Retry-After"] = seconds
    return response


@router.get("/login")
def login_page(request: Request, user: Annotated[User | None, Depends(optional_user)],
               next: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", None, next=safe_next(next), error=None, username="")


@router.post("/login")
def login_submit(
    request: Request,
    session: DB,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    target = safe_next(next)

    def again(error: str, status: int, **values: object) -> Response:
        return render(request, "login.html", None, status_code=status, next=target, username=username,
                      error={"key": error, "values": values})

    if not _csrf_ok(request, csrf_token):
        return again("login.error.csrf", 403)
    if not username.strip() or not password:
        return again("login.error.missing", 422)
    try:
        user = service.authenticate(session, username, password)
    except APIError as exc:
        if exc.status == 429:
            return _throttled(again, exc)
        if exc.code == "account_deactivated":
            return again("login.error.deactivated", 403)
        return again("login.error.bad_credentials", 401)
    response = RedirectResponse(target, status_code=303)
    start_session(response, user, request)
    if request.cookies.get(LANG_COOKIE) not in LANGUAGES and user.language in LANGUAGES:
        response.set_cookie(LANG_COOKIE, user.language, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.post("/logout")
def logout(request: Request, session: DB, user: Annotated[User | None, Depends(optional_user)],
           csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Signing out ends every session of the user (api.auth.service.revoke_sessions), not only this cookie."""
    if not _csrf_ok(request, csrf_token):
        raise APIError(403, "csrf_failed", "The form expired or came from another site. Reload the page.")
    if user is not None:
        service.revoke_sessions(session, user)
    response = RedirectResponse("/login", status_code=303)
    end_session(response)
    return response


@router.post("/language")
def switch_language(
    request: Request,
    session: DB,
    user: Annotated[User | None, Depends(optional_user)],
    lang: Annotated[str, Form(max_length=8)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Stored in a cookie (works before signing in) and as the user's preference."""
    if lang not in LANGUAGES:
        raise APIError(422, "unknown_language", f"Language must be one of: {', '.join(LANGUAGES)}.")
    if user is None and not _csrf_ok(request, csrf_token):
        raise APIError(403, "csrf_failed", "The form expired or came from another site. Reload the page.")
    if user is not None:
        user.language = lang
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/i18n/{lang}.json")
def translation_table(lang: str, v: str | None = None) -> Response:
    """Kept by the browser for a year under the versioned URL pages link to (``table_url``)."""
    if lang not in LANGUAGES:
        raise APIError(404, "not_found", f"No translations for '{lang}'.")
    text, digest = table_json(lang)
    cache = assets.IMMUTABLE if v == digest else assets.REVALIDATE
    return Response(text, media_type="application/json", headers={"Cache-Control": cache, "ETag": f'"{digest}"'})


@router.get("/account/password")
def password_page(request: Request, user: PageUser, next: str | None = None) -> Response:
    """Change one's password: a plain form, so it works without scripts on a weak link. Required first after a
    one-time password (an import or an administrator's reset); ``next`` is where the user was going."""
    return render(request, "account_password.html", user, error=None, saved=False, min_length=passwords.MIN_LENGTH,
                  next=safe_next(next) if next else "", forced=user.must_change_password)


@router.post("/account/password")
def password_submit(
    request: Request,
    session: DB,
    user: PageUser,  # a cookie POST: optional_user has checked the form's CSRF token
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    repeat: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    """Every other session of the user ends (api.auth.service.change_password); this browser gets a new cookie
    and goes on to ``next`` when it was sent here on its way somewhere."""
    forced = user.must_change_password

    def again(key: str, status: int, **values: object) -> Response:
        return render(request, "account_password.html", user, status_code=status, saved=False,
                      min_length=passwords.MIN_LENGTH, error={"key": key, "values": values},
                      next=safe_next(next) if next else "", forced=forced)

    if new_password != repeat:
        return again("password.mismatch", 422)
    try:
        service.change_password(session, user, current_password, new_password)
    except APIError as exc:
        if exc.status == 429:
            return _throttled(again, exc)
        return again(f"apierr.{exc.code}", exc.status, **exc.extra)
    response: Response
    if next:
        response = RedirectResponse(safe_next(next), status_code=303)
    else:
        response = render(request, "account_password.html", user, error=None, saved=True,
                          min_length=passwords.MIN_LENGTH, next="", forced=False)
    start_session(response, user, request)
    return response
