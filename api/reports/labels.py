"""What the downloads say in words: the translation table in Chinese (documents go to district files in
zh-CN), number and time formats. One place, so an export never spells a term its own way."""

from __future__ import annotations

from datetime import datetime

from api.pages.i18n import translate
from api.pages.rendering import mmss as clock  # the lesson clock, as the pages show it
from tingke.timezone import format_local

__all__ = ["clock", "date_time", "lesson_kind", "number", "observation_state", "zh"]

DOCUMENT_LANGUAGE = "zh"


def zh(key: str, **values: object) -> str:
    """A text of the one translation table (web/i18n/messages.tsv) in the documents' language."""
    return translate(DOCUMENT_LANGUAGE, key, **values)


def lesson_kind(kind: str) -> str:
    return zh(f"kind.{kind}")


def observation_state(state: str) -> str:
    return zh(f"obs.state.{state}")


def number(value: float | None) -> str:
    """2 decimals at most, trailing zeros dropped; a dash for no value."""
    return "—" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def date_time(value: datetime | None) -> str:
    """The one function every export formats a stored time with (date and minute), on the district's clock
    (tingke.timezone: stored UTC, read in TINGKE_TIMEZONE)."""
    return format_local(value)
