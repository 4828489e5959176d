"""评课量表: a rubric and its weighted dimensions with level descriptors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped


class Rubric(Timestamped, Base):
    __tablename__ = "rubrics"
    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(default=False)

    dimensions: Mapped[list[RubricDimension]] = relationship(
        cascade="all, delete-orphan", order_by="RubricDimension.position", lazy="selectin"
    )


class RubricDimension(Base):
    __tablename__ = "rubric_dimensions"
    __table_args__ = (UniqueConstraint("rubric_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    weight: Mapped[float]
    max_score: Mapped[float] = mapped_column(default=10.0)
    position: Mapped[int] = mapped_column(default=0)
    # [{"level": "A", "min": 9, "zh": "...", "en": "..."}, ...] from best to worst
    descriptors: Mapped[list[Any]] = mapped_column(default=list)
