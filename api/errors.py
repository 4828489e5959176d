"""One error shape for every failure: ``{"error": {"code": ..., "message": ...}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class APIError(Exception):
    """A failure with its status and stable ``code``; ``extra`` carries the values a page needs to say it
    in its own language (the page's translation table keys ``apierr.<code>`` with these placeholders)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers
        self.extra = extra


def not_found(what: str = "resource") -> APIError:
    return APIError(404, "not_found", f"The {what} does not exist or you may not see it.")


def forbidden(message: str = "You are not allowed to do this.") -> APIError:
    return APIError(403, "forbidden", message)


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


_STATUS_CODES = {
    400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "too_large",
    415: "unsupported_media_type", 422: "invalid_input", 429: "too_many_requests",
}


def _describe(errors: list[Any]) -> str:
    parts = []
    for err in errors[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        kind = err.get("type", "")
        if kind == "extra_forbidden":
            parts.append(f"unknown field '{loc}'")
        elif kind == "json_invalid":
            parts.append("the body is not valid JSON")
        elif kind == "missing":
            parts.append(f"'{loc}' is required")
        elif kind in ("float_type", "int_type") and isinstance(err.get("input"), str):
            parts.append(f"'{loc}' must be a number, like 7 or 7.5, not text such as \"{err['input'][:20]}\"")
        else:
            parts.append(f"{loc or 'body'}: {err.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(APIError)
    async def _api_error(_: Request, exc: APIError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, **exc.extra), status_code=exc.status,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse(error_body("invalid_input", _describe(list(exc.errors())), details=details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        # A safety net: services validate references first; a race or a missed check lands here.
        log.warning("integrity error turned into 409: %s", exc.orig)
        return JSONResponse(error_body("conflict", "This conflicts with existing data (a duplicate, or a "
                                       "reference to something that does not exist)."), 409)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(_: Request, exc: Exception) -> JSONResponse:
        # SQLite raises OverflowError and PostgreSQL DataError for numbers the column cannot hold;
        # routes bound their ids (api/types.py), this covers every other number.
        log.info("out-of-range value refused: %s", exc)
        return JSONResponse(error_body("invalid_input", "A number in the request is out of range."), 422)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(error_body("internal_error", "Something went wrong on our side."), 500)
