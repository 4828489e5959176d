"""Text stored by tingke never holds characters that XML cannot carry.

C0 control characters (except tab and line breaks), lone surrogates and U+FFFE/U+FFFF arrive from
pasted text or fuzzing and later break the Word/Excel exports, the pages and the search index. One
ORM hook cleans every string column of every object before it is written, so no exporter has to
remember to.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import String, event
from sqlalchemy.orm import Session

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    return _ILLEGAL.sub("", value)


def _clean_object(obj: Any) -> None:
    mapper = getattr(obj, "__mapper__", None)
    if mapper is None:
        return
    for column in mapper.columns:
        if isinstance(column.type, String):  # Text and Enum are Strings too
            key = mapper.get_property_by_column(column).key
            value = obj.__dict__.get(key)
            if isinstance(value, str) and _ILLEGAL.search(value):
                setattr(obj, key, clean_text(value))


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty):
        _clean_object(obj)
