"""How a report leaves as a file: the two Office types and the attachment response every download uses."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Response

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(content: bytes, media_type: str, filename: str, ascii_name: str) -> Response:
    """The file under its Chinese name (RFC 5987 ``filename*``), with an ASCII name for old clients."""
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})
