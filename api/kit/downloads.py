"""File names for downloads: the lesson's own name, safe on every phone and computer (RFC 6266).

A browser saves ``Content-Disposition: attachment; filename*=UTF-8''…`` under its UTF-8 name (Chinese
included); the plain ``filename=`` beside it is an ASCII fallback for the few clients that ignore
``filename*``. Characters that no file system accepts are replaced, so the name is also a valid path.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_NAME_CHARS = 80
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_SPACES = re.compile(r"\s+")


def safe_filename(name: str, suffix: str, fallback: str) -> str:
    """``name`` + ``suffix`` with path separators, reserved and control characters replaced; ``fallback``
    (ASCII) + ``suffix`` when nothing is left of it."""
    text = unicodedata.normalize("NFC", name)
    text = _SPACES.sub(" ", _UNSAFE.sub("_", text)).strip(" ._")[:MAX_NAME_CHARS].strip(" ._")
    return f"{text or fallback}{suffix}"


def attachment(filename: str, fallback: str) -> str:
    """The Content-Disposition value that saves the reply as ``filename``."""
    ascii_name = filename.encode("ascii", "ignore").decode()
    plain = ascii_name if ascii_name == filename and '"' not in filename else fallback
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
