"""The offline list (``/offline``) and the service worker (``/sw.js``) that serves it without a network.

The page holds nothing personal (rendered without the signed-in user): what it lists comes from the
device's Cache Storage, filled by web/static/js/offline.js. The worker precaches the page and the versioned
assets it needs; its script embeds their URLs, so any change to them is a new worker that caches them anew.
"""

from __future__ import annotations

import hashlib
import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.kit import assets
from api.pages.rendering import render, templates

router = APIRouter(include_in_schema=False)

SHELL_SCRIPT = "/static/js/offline_list.js"
SHELL_STYLES = ("/static/css/app.css",)
OFFLINE_PAGE = "/offline"


def shell_urls() -> list[str]:
    """What the offline page needs, at the URLs it asks for them: the page (its translations inside), its
    style, its script and the modules that imports."""
    modules = [SHELL_SCRIPT, *assets.module_graph(SHELL_SCRIPT)]
    return [OFFLINE_PAGE, *(assets.versioned(u) for u in (*SHELL_STYLES, *modules))]


@router.get("/offline", response_class=HTMLResponse)
def offline_page(request: Request) -> HTMLResponse:
    return render(request, "offline.html", None, active="offline")


@router.get("/sw.js")
def service_worker() -> Response:
    urls = shell_urls()
    version = hashlib.sha256(json.dumps(urls).encode()).hexdigest()[:12]
    script = templates.env.get_template("sw.js").render(shell=json.dumps(urls), version=version)
    return Response(script, media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})
