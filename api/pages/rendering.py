"""Rendering a page: the Jinja2 environment with ``t()``, the CSRF token and the signed-in user."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from api.auth import tokens
from api.pages.i18n import language_for, translate
from models import User
from tingke.settings import get_settings

WEB = Path(__file__).resolve().parents[2] / "web"
templates = Jinja2Templates(directory=str(WEB / "templates"))


def _tojson_attr(value: Any) -> Markup:
    """JSON safe to put inside a <script type="application/json"> block."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


templates.env.filters["json_script"] = _tojson_attr


def csrf_token(request: Request) -> str:
    """The CSRF cookie's value, or a fresh one that :func:`render` then sets."""
    token = request.cookies.get(tokens.CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return token


def mmss(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


templates.env.filters["mmss"] = mmss


def oidc_enabled() -> bool:
    """The sign-in page offers the district's identity provider once it is configured."""
    settings = get_settings()
    return bool(settings.oidc_issuer and settings.oidc_client_id)


templates.env.globals["oidc_enabled"] = oidc_enabled


def render(request: Request, name: str, user: User | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = language_for(request, user)

    def t(key: str, **values: object) -> str:
        return translate(lang, key, **values)

    token = csrf_token(request)
    response = templates.TemplateResponse(
        request, name, {"t": t, "lang": lang, "user": user, "csrf": token, **context}, status_code=status_code
    )
    if request.cookies.get(tokens.CSRF_COOKIE) != token:
        response.set_cookie(tokens.CSRF_COOKIE, token, httponly=False, samesite="lax",
                            secure=request.url.scheme == "https", path="/")
    response.headers["Cache-Control"] = "no-store"
    return response
