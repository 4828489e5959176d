"""Static assets under versioned URLs: ``/static/js/app.js?v=<content hash>``.

A phone on a rural link pays ~300 ms for every request, and a 1.5 MB library is minutes of waiting; so
every asset is served gzip-compressed (compressed once, kept in memory) and, under the URL of its current
content, cached by the browser for a year. A URL without the current hash (an old page, a module imported
by a browser without import maps) is served with ``no-cache``: revalidated with its ETag, never stale.

Pages get the versioned URLs from :func:`versioned` (``src``/``href`` of rendered HTML, see
``api.pages.rendering``) and, for ``import`` statements inside modules, from the page's import map
(:func:`import_map`), so the JavaScript files keep their plain ``/static/js/x.js`` imports.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"
NODE_MODULES = WEB / "node_modules"
# URL prefix → folder; the first prefix that matches wins (vendor folders come from `make web-assets`).
ROOTS: tuple[tuple[str, Path], ...] = (
    ("/static/vendor/hls/", NODE_MODULES / "hls.js" / "dist"),
    ("/static/vendor/swagger/", NODE_MODULES / "swagger-ui-dist"),
    ("/static/", WEB / "static"),
)
# Browser libraries the pages import (the import map lists them beside our own modules).
HLS_MODULE = "/static/vendor/hls/hls.light.min.mjs"
VENDOR_MODULES = (HLS_MODULE,)
OUR_MODULES = "/static/js/"

COMPRESSIBLE = {".js", ".mjs", ".css", ".json", ".svg", ".html", ".txt", ".map", ".vtt", ".webmanifest"}
TYPES = {".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
         ".map": "application/json", ".webmanifest": "application/manifest+json"}
MAX_CACHED_BYTES = 8 * 1024 * 1024  # larger files (source maps of vendor builds) are read per request
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


@dataclass(frozen=True)
class Asset:
    file: Path
    digest: str  # first 12 hex digits of the content's SHA-256: the ``v`` of its URL and its ETag
    content_type: str
    body: bytes
    gzipped: bytes | None  # None: not worth compressing (images) or smaller uncompressed

    def etag(self, encoding: str) -> str:
        return f'"{self.digest}{"-" + encoding if encoding != "identity" else ""}"'


def resolve(url_path: str) -> Path | None:
    """The file behind a /static/ URL path, only inside its root, never a dotfile or a folder."""
    for prefix, root in ROOTS:
        if url_path.startswith(prefix):
            relative = url_path[len(prefix):]
            if not relative or any(part.startswith(".") or part == "" for part in relative.split("/")):
                return None
            path = (root / relative).resolve()
            if path.is_relative_to(root.resolve()) and path.is_file():
                return path
            return None
    return None


@lru_cache(maxsize=256)
def _load(file: Path, mtime_ns: int, size: int) -> Asset:
    body = file.read_bytes()
    content_type = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    gzipped = None
    if file.suffix in COMPRESSIBLE and size >= 512:
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        gzipped = packed if len(packed) < size else None
    return Asset(file, hashlib.sha256(body).hexdigest()[:12], content_type, body, gzipped)


def load(url_path: str) -> Asset | None:
    """The asset at ``url_path`` as it is on disk now (re-read when the file changes)."""
    file = resolve(url_path)
    if file is None:
        return None
    stat = file.stat()
    if stat.st_size > MAX_CACHED_BYTES:
        return None
    return _load(file, stat.st_mtime_ns, stat.st_size)


def versioned(url_path: str) -> str:
    """``url_path?v=<hash>`` for an existing asset; the path unchanged otherwise."""
    asset = load(url_path)
    return f"{url_path}?v={asset.digest}" if asset else url_path


_STATIC_IMPORT = re.compile(r"""^\s*import\s+(?:[^"';]*?\s+from\s+)?["'](/static/[^"']+)["']""", re.M)
_DYNAMIC_IMPORT = re.compile(r"""\bimport\(\s*["'](/static/[^"']+)["']\s*\)""")


@lru_cache(maxsize=256)
def _imports_of(file: Path, mtime_ns: int, dynamic: bool) -> tuple[str, ...]:
    source = file.read_text(encoding="utf-8")
    found = _STATIC_IMPORT.findall(source) + (_DYNAMIC_IMPORT.findall(source) if dynamic else [])
    return tuple(found)


def module_graph(entry: str, *, dynamic: bool = False) -> list[str]:
    """The modules ``entry`` imports statically, directly or not (with ``dynamic``, its ``import()``s too): what
    a page can ask for with ``<link rel="modulepreload">`` instead of discovering them one round trip at a time,
    and (with ``dynamic``) every module that may run on the page."""
    seen: list[str] = []
    todo = [entry]
    while todo:
        url = todo.pop()
        file = resolve(url)
        if file is None or not file.suffix.endswith("js"):
            continue
        for dep in _imports_of(file, file.stat().st_mtime_ns, dynamic):
            if dep not in seen and dep != entry:
                seen.append(dep)
                todo.append(dep)
    return seen


def source_of(url_path: str) -> str:
    """The text of one of our scripts ('' for vendor builds and missing files: they hold no translation keys)."""
    if not url_path.startswith(OUR_MODULES):
        return ""
    file = resolve(url_path)
    return file.read_text(encoding="utf-8") if file is not None else ""


def _modules() -> list[str]:
    ours = sorted(f"{OUR_MODULES}{p.name}" for p in (WEB / "static" / "js").glob("*.js"))
    return ours + [m for m in VENDOR_MODULES if resolve(m) is not None]


def import_map() -> str:
    """The JSON of a page's ``<script type="importmap">``: every module's plain URL → its versioned URL."""
    return json.dumps({"imports": {m: versioned(m) for m in _modules()}}, separators=(",", ":"))
