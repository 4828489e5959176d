"""The one translation table (web/i18n/messages.tsv) for templates and scripts alike.

Chinese (zh) is the default; English (en) is the switch. A missing English string falls back to
Chinese, and a missing key shows the key itself so that it is noticed on the page.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path

from fastapi import Request

from models import User

TABLE = Path(__file__).resolve().parents[2] / "web" / "i18n" / "messages.tsv"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_COOKIE = "tingke_lang"


@lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, str]]:
    """Language → key → text, read once from the TSV (columns: key, zh, en)."""
    out: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    with TABLE.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if not row or row[0].startswith("#") or row[0] == "key":
                continue
            key, zh, en = [*row, "", "", ""][:3]
            out["zh"][key] = zh
            out["en"][key] = en or zh
    return out


_QUOTED = re.compile(r"""["'`]([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)+)["'`]""")
_PREFIX = re.compile(r"`([a-z_][a-z0-9_.]*\.)\$\{")
SCRIPTS = TABLE.parents[1] / "static" / "js"


@lru_cache(maxsize=512)
def _script_keys(source: str) -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(_QUOTED.findall(source)), frozenset(_PREFIX.findall(source))


# Said only when a call fails: app.js fetches the scripts' whole table then (what a page embeds stays small);
# what it says when the network itself is gone must be in the page.
ON_FAILURE = "apierr."
ALWAYS = frozenset({"apierr.network"})


def keys_for(sources: list[str], *, on_failure: bool = False) -> frozenset[str]:
    """Keys that scripts with these sources may ask for: every quoted key in them, and every key with a prefix
    they complete at run time (``t(`kind.${k}`)``), the API's error texts only ``on_failure``. Templates are
    translated on the server: none needed."""
    keys: set[str] = set(ALWAYS)
    prefixes: set[str] = set()
    for source in sources:
        found, started = _script_keys(source)
        keys |= found
        prefixes |= started
    if not on_failure:
        prefixes.discard(ON_FAILURE)
    table = messages()[DEFAULT_LANGUAGE]
    return frozenset(k for k in table if k in keys or k.startswith(tuple(prefixes)))


def table_for(lang: str, keys: frozenset[str]) -> dict[str, str]:
    """The part of one language's table a page's scripts use: embedded in the page (api/pages/rendering.py),
    so no page waits for a separate request of the whole table on a weak link."""
    texts = messages()[lang]
    return {k: texts[k] for k in sorted(keys) if k in texts}


@lru_cache(maxsize=len(LANGUAGES))
def table_json(lang: str) -> tuple[str, str]:
    """(JSON of the scripts' part of one language's table, its content hash): what
    ``/i18n/<lang>.json?v=<hash>`` serves to a page that embeds none."""
    sources = [p.read_text(encoding="utf-8") for p in SCRIPTS.glob("*.js")]
    text = json.dumps(table_for(lang, keys_for(sources, on_failure=True)), ensure_ascii=False, separators=(",", ":"))
    return text, hashlib.sha256(text.encode()).hexdigest()[:12]


def table_url(lang: str) -> str:
    """The versioned URL of a language's table: cached by browsers until the table changes."""
    return f"/i18n/{lang}.json?v={table_json(lang)[1]}"


def translate(lang: str, key: str, **values: object) -> str:
    text = messages().get(lang, {}).get(key) or messages()[DEFAULT_LANGUAGE].get(key) or key
    return text.format(**values) if values else text


def language_for(request: Request, user: User | None) -> str:
    """The cookie (the switch) wins, then the user's saved choice, then Chinese."""
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    if user is not None and user.language in LANGUAGES:
        return user.language
    return DEFAULT_LANGUAGE
