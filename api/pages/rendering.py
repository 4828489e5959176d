"""Rendering a page: the Jinja2 environment with ``t()``, the CSRF token and the signed-in user."""

from __future__ import annotations

import json
import re
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
from api.kit import assets
from api.pages.i18n import LANGUAGES, keys_for, language_for, table_for, table_url, translate
from models import User
from tingke.settings import get_settings
from tingke.timezone import DATE_TIME, format_local, zone_name

WEB = Path(__file__).resolve().parents[2] / "web"
templates = Jinja2Templates(directory=str(WEB / "templates"))


def _tojson_attr(value: Any) -> Markup:
    """JSON safe to put inside a <script type="application/json"> block."""
    return Markup(_safe_json(json.dumps(value, ensure_ascii=False, default=str)))


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
templates.env.globals["asset"] = assets.versioned
templates.env.globals["import_map"] = lambda: Markup(assets.import_map())
templates.env.globals["i18n_url"] = table_url

_STATIC_ATTR = re.compile(r'(\s(?:src|href)=")(/static/[^"?#]+)(")')
_MODULE_SCRIPT = re.compile(r'<script type="module" src="(/static/[^"?#]+)"')
_INLINE_MODULE = re.compile(r'<script type="module">(.*?)</script>', re.S)
TABLE_ID = "i18n-table"  # read by web/static/js/app.js


def finish_html(html: str, lang: str) -> str:
    """What a page needs from its scripts, put into the page for a weak link (300 ms a round trip):
    - every ``src``/``href`` of a /static/ file gets its ``?v=<hash>`` (kept by the browser until it changes),
      so templates keep plain paths;
    - the modules the page's scripts import are preloaded from the head, all at once instead of one round
      trip per level of imports;
    - the translations those scripts (and the page's inline module scripts) may use are embedded as JSON,
      instead of a request for the whole table that every script would wait for."""
    entries = _MODULE_SCRIPT.findall(html)
    inline = _INLINE_MODULE.findall(html)
    wanted = [dep for entry in entries for dep in assets.module_graph(entry)]
    if inline:
        wanted.append("/static/js/app.js")
    head = "".join(f'<link rel="modulepreload" href="{dep}">' for dep in dict.fromkeys(wanted)
                   if f'rel="modulepreload" href="{dep}"' not in html and dep not in entries)
    running = {m for entry in entries for m in [entry, *assets.module_graph(entry, dynamic=True)]}
    for source in inline:
        running |= {m for m in _STATIC_IMPORT_URLS.findall(source)
                    for m in [m, *assets.module_graph(m, dynamic=True)]}
    if running or inline:
        keys = keys_for([assets.source_of(m) for m in sorted(running)] + inline)
        table = json.dumps(table_for(lang, keys), ensure_ascii=False, separators=(",", ":"))
        head += f'<script type="application/json" id="{TABLE_ID}">{_safe_json(table)}</script>'
    if head:
        html = html.replace("</head>", f"  {head}\n</head>", 1)
    return _STATIC_ATTR.sub(lambda m: m.group(1) + assets.versioned(m.group(2)) + m.group(3), html)


_STATIC_IMPORT_URLS = re.compile(r"""["'](/static/js/[^"']+\.js)["']""")


def _safe_json(text: str) -> str:
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


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
    response.body = finish_html(bytes(response.body).decode(), lang).encode()
    response.headers["content-length"] = str(len(response.body))
    if request.cookies.get(tokens.CSRF_COOKIE) != token:
        response.set_cookie(tokens.CSRF_COOKIE, token, httponly=False, samesite="lax",
                            secure=request.url.scheme == "https", path="/")
    response.headers["Cache-Control"] = "no-store"
    return response
