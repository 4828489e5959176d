"""The one exception the relay's request handlers raise for a refused request."""

from __future__ import annotations


class RelayError(Exception):
    """Answered as ``{"error": {"code", "message"}}`` with ``status``; never a 500."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
