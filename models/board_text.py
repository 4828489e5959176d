"""The text read off a lesson's board and slides (板书/课件), one row per line while it was on screen."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class BoardTextLine(Base):
    """A line of text shown from ``start`` to ``end`` (seconds on the lesson clock), as OCR read it.

    Written by the pipeline's ``board_text`` stage (workers/board_text), replaced on every run like the
    transcript; searchable in the library as source ``board``."""

    __tablename__ = "board_text_lines"
    __table_args__ = (UniqueConstraint("lesson_id", "idx"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int]  # order of appearance
    start: Mapped[float]  # first seen
    end: Mapped[float]  # gone (or the end of the lesson)
    text: Mapped[str] = mapped_column(Text)
    score: Mapped[float]  # the OCR's confidence in its best reading, 0-1
    box: Mapped[list[Any]] = mapped_column(default=list)  # [x0, y0, x1, y1], fractions of the picture
