"""Static files: our CSS/JS from web/static, browser libraries from web/node_modules (npm ci).

Served from memory, gzip-compressed once, with a year of browser caching under the URL of the current
content (``?v=<hash>``, see api/kit/assets.py) and ``no-cache`` + ETag otherwise.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response

from api.errors import APIError
from api.kit import assets
from api.kit.compression import accepts_gzip

router = APIRouter(include_in_schema=False)


@router.get("/static/{path:path}")
@router.head("/static/{path:path}")
def static_file(path: str, request: Request) -> Response:
    asset = assets.load(f"/static/{path}")
    if asset is None:
        raise APIError(404, "not_found", "No such file.")
    gzipped = asset.gzipped is not None and accepts_gzip(request.headers.get("accept-encoding", ""))
    encoding = "gzip" if gzipped else "identity"
    current = request.query_params.get("v") == asset.digest
    headers = {"Cache-Control": assets.IMMUTABLE if current else assets.REVALIDATE,
               "ETag": asset.etag(encoding), "Vary": "Accept-Encoding", "X-Content-Type-Options": "nosniff"}
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    if asset.etag(encoding) in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    body = asset.gzipped if gzipped and asset.gzipped is not None else asset.body
    return Response(b"" if request.method == "HEAD" else body, media_type=asset.content_type,
                    headers={**headers, "Content-Length": str(len(body))})


def mount_static(app: FastAPI) -> None:
    app.include_router(router)
