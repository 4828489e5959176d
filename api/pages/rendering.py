"""Rendering a page: the Jinja2 environment with ``t()``, the CSRF token and the signed-in user."""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from api.auth import tokens
from api.pages.i18n import LANGUAGES, language_for, translate
from models import User
from tingke.settings import get_settings
from tingke.timezone import DATE_TIME, format_local, zone_name

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


def local(value: datetime | date | None, pattern: str = DATE_TIME) -> str:
    """A stored time as the district reads it (``{{ lesson.scheduled_at|local }}``); a plain date as is."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return value.strftime(pattern)
    return format_local(value, pattern)


templates.env.filters["local"] = local

HEADING_SEPARATORS = {"zh": "：", "en": ": "}


def titled(lang: str, title: str, key: str) -> str:
    """``<prefix of key>：<title>`` for a page heading, without the prefix a title already starts with
    in either language (the 双师课堂 page of "双师课堂：圆的面积" said "双师课堂：双师课堂：圆的面积")."""
    rest = title.strip()
    for prefix in {translate(other, key) for other in LANGUAGES}:
        for separator in ("：", ":", " ", "·", "-", "—"):
            if rest.startswith(prefix + separator) and rest[len(prefix) + 1:].strip():
                rest = rest[len(prefix) + 1:].strip()
                break
    return f"{translate(lang, key)}{HEADING_SEPARATORS.get(lang, ': ')}{rest}"


@pass_context
def _titled(context: Context, title: str, key: str) -> str:
    return titled(str(context.get("lang", "zh")), title, key)


templates.env.filters["titled"] = _titled


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
    zone = zone_name()
    zone_key = f"time.zone.{zone}"  # "北京时间" for Asia/Shanghai; other zones by their IANA name
    tz_label = t(zone_key) if t(zone_key) != zone_key else zone
    response = templates.TemplateResponse(
        request, name, {"t": t, "lang": lang, "tz": zone, "tz_label": tz_label, "user": user, "csrf": token,
                        **context},
        status_code=status_code
    )
    if request.cookies.get(tokens.CSRF_COOKIE) != token:
        response.set_cookie(tokens.CSRF_COOKIE, token, httponly=False, samesite="lax",
                            secure=request.url.scheme == "https", path="/")
    response.headers["Cache-Control"] = "no-store"
    return response
