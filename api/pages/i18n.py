"""The one translation table (web/i18n/messages.tsv) for templates and scripts alike.

Chinese (zh) is the default; English (en) is the switch. A missing English string falls back to
Chinese, and a missing key shows the key itself so that it is noticed on the page.
"""

from __future__ import annotations

import csv
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
