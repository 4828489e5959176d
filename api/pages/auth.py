"""Sign-in and sign-out pages, the language switch, and the translation table for scripts."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from api.auth import service, tokens
from api.auth.endpoints import end_session, start_session
from api.deps import DB, optional_user
from api.errors import APIError
from api.pages.deps import PageUser, safe_next
from api.pages.i18n import LANG_COOKIE, LANGUAGES, messages
from api.pages.rendering import render
from models import User

router = APIRouter(include_in_schema=False)


def _csrf_ok(request: Request, sent: str) -> bool:
    expected = request.cookies.get(tokens.CSRF_COOKIE, "")
    return bool(expected and sent and hmac.compare_digest(expected, sent))


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
            seconds = (exc.headers or {}).get("Retry-After", "")
            response = again("login.error.throttled", 429, seconds=seconds)
            response.headers["Retry-After"] = seconds
            return response
        return again("login.error.bad_credentials", 401)
    response = RedirectResponse(target, status_code=303)
    start_session(response, user, request)
    if request.cookies.get(LANG_COOKIE) not in LANGUAGES and user.language in LANGUAGES:
        response.set_cookie(LANG_COOKIE, user.language, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    if not _csrf_ok(request, csrf_token):
        raise APIError(403, "csrf_failed", "The form expired or came from another site. Reload the page.")
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
def translation_table(lang: str) -> JSONResponse:
    if lang not in LANGUAGES:
        raise APIError(404, "not_found", f"No translations for '{lang}'.")
    return JSONResponse(messages()[lang], headers={"Cache-Control": "public, max-age=300"})


@router.get("/account/password")
def password_page(request: Request, user: PageUser, next: str | None = None) -> Response:
    """Choose a new password: required after a one-time password (an import or an administrator's reset)."""
    return render(request, "account_password.html", user, next=safe_next(next), forced=user.must_change_password)
