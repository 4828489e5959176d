"""Activity materials on disk under media_root/activities/<activity id>/, written in chunks with a size cap."""

from __future__ import annotations

import secrets
from pathlib import Path, PurePath

from fastapi import UploadFile

from api.errors import APIError
from tingke.settings import get_settings

ALLOWED = {".pdf", ".doc", ".docx", ".ppt", ".pptx", ".xls", ".xlsx", ".txt", ".md", ".jpg", ".jpeg", ".png",
           ".gif", ".webp", ".mp3", ".m4a", ".mp4", ".zip"}
CHUNK = 1024 * 1024


def root() -> Path:
    return get_settings().media_root / "activities"


def safe_name(filename: str | None) -> str:
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    return name[:200] or "material"


def save(activity_id: int, upload: UploadFile) -> tuple[str, int, str]:
    """Store an upload; returns (path relative to media_root, size, original name). Too big → 413.
    Blocking file I/O: called from a sync endpoint, so it runs in a worker thread, not on the event loop."""
    name = safe_name(upload.filename)
    ext = PurePath(name).suffix.lower()
    if ext not in ALLOWED:
        raise APIError(415, "unsupported_material",
                       f"Files of type '{ext or '(none)'}' are not accepted; use one of {', '.join(sorted(ALLOWED))}.")
    limit = get_settings().activity_material_max_bytes
    folder = root() / str(activity_id)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{secrets.token_hex(8)}{ext}"
    size = 0
    try:
        with target.open("wb") as out:
            while chunk := upload.file.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise APIError(413, "too_large",
                                   f"The file is larger than {limit // (1024 * 1024)} MB. 文件过大。")
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if size == 0:
        target.unlink(missing_ok=True)
        raise APIError(422, "empty_file", "The file is empty (0 bytes). 文件是空的。")
    return str(target.relative_to(get_settings().media_root)), size, name


def path_of(relative: str) -> Path:
    media = get_settings().media_root
    path = (media / relative).resolve()
    if not path.is_relative_to(media.resolve()):
        raise APIError(404, "not_found", "The material does not exist.")
    return path
