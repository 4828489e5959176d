"""听课记录: an observer's scores, comments, overall evaluation (总评) and timestamped notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped, enum_column, utcnow
from models.community import User
from models.enums import ObservationState
from models.lessons import Lesson
from models.rubrics import Rubric


class Observation(Timestamped, Base):
    __tablename__ = "observations"
    __table_args__ = (UniqueConstraint("lesson_id", "observer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    observer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id"))
    drop_in: Mapped[bool] = mapped_column(default=False)  # 推门听课
    comments: Mapped[str] = mapped_column(Text, default="")  # 点评
    summary: Mapped[str] = mapped_column(Text, default="")  # 总评
    state: Mapped[ObservationState] = mapped_column(
        enum_column(ObservationState), default=ObservationState.draft, index=True
    )
    submitted_at: Mapped[datetime | None]
    signed_off_at: Mapped[datetime | None]
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    lesson: Mapped[Lesson] = relationship()
    observer: Mapped[User] = relationship(foreign_keys=[observer_id])
    rubric: Mapped[Rubric] = relationship()
    scores: Mapped[list[ObservationScore]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    notes: Mapped[list[Note]] = relationship(cascade="all, delete-orphan", order_by="Note.t")


class ObservationScore(Base):
    __tablename__ = "observation_scores"
    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), primary_key=True
    )
    dimension_id: Mapped[int] = mapped_column(ForeignKey("rubric_dimensions.id"), primary_key=True)
    score: Mapped[float]


class Note(Base):
    """课堂活动记录: a remark pinned to a moment of the lesson clock."""

    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id", ondelete="CASCADE"), index=True)
    t: Mapped[float]
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(default=list)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("transcript_segments.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    author_label: Mapped[str] = mapped_column(String(100), default="")
