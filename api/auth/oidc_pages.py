"""The two browser stops of OpenID Connect sign-in: off to the district's provider, and back."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from api.auth import oidc
from api.auth.endpoints import start_session
from api.deps import DB
from api.pages.deps import safe_next
from api.pages.rendering import render
from tingke.settings import get_settings

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)


def _redirect_uri(request: Request) -> str:
    base = get_settings().public_url or str(request.base_url)
    return base.rstrip("/") + oidc.CALLBACK_PATH


def _refused(request: Request, code: str, status: int) -> Response:
    response = render(request, "login.html", None, status_code=status, next="/", username="",
                      error={"key": f"login.oidc.{code}", "values": {}})
    response.delete_cookie(oidc.FLOW_COOKIE, path="/auth/oidc")
    return response


@router.get("/auth/oidc/start")
async def oidc_start(request: Request, next: str | None = None) -> Response:
    if not oidc.enabled():
        return _refused(request, "disabled", 404)
    try:
        url, flow = await run_in_threadpool(oidc.start, _redirect_uri(request), safe_next(next))
    except oidc.OIDCError as exc:
        log.warning("OpenID sign-in could not start: %s", exc)
        return _refused(request, exc.code, 502)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(oidc.FLOW_COOKIE, flow, max_age=oidc.FLOW_TTL, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/auth/oidc")
    return response


@router.get("/auth/oidc/callback")
def oidc_callback(request: Request, session: DB, state: str | None = None, code: str | None = None,
                  error: str | None = None) -> Response:
    if not oidc.enabled():
        return _refused(request, "disabled", 404)
    try:
        user, target = oidc.finish(session, _redirect_uri(request), request.cookies.get(oidc.FLOW_COOKIE),
                                   state, code, error)
    except oidc.OIDCError as exc:
        log.warning("OpenID sign-in refused: %s", exc)
        return _refused(request, exc.code, 401)
    response = RedirectResponse(safe_next(target), status_code=303)
    start_session(response, user, request)
    response.delete_cookie(oidc.FLOW_COOKIE, path="/auth/oidc")
    return response
