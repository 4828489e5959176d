"""Live polls and questionnaires (UMU-style, seed 003 part 9): a host asks, participants answer on phones.

A poll belongs to a lesson, to a 同课异构 group, or to nobody (a training); in the last case
``audience_school_ids`` says whose teachers may join. ``version`` grows on every change so that any API
process can tell, by reading one integer, that the results must be sent again.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped, enum_column, utcnow
from models.community import User
from models.lessons import Lesson, LessonGroup


class PollKind(StrEnum):
    single = "single"  # 单选
    multiple = "multiple"  # 多选
    rating = "rating"  # 评分 1-5
    text = "text"  # 简答


class PollState(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


class Poll(Timestamped, Base):
    __tablename__ = "polls"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)  # the short link: /p/{code}
    title: Mapped[str] = mapped_column(String(200))
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("lesson_groups.id", ondelete="CASCADE"), index=True)
    audience_school_ids: Mapped[list[Any]] = mapped_column(default=list)  # trainings only
    state: Mapped[PollState] = mapped_column(enum_column(PollState), default=PollState.draft)
    version: Mapped[int] = mapped_column(default=1)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    host: Mapped[User] = relationship()
    lesson: Mapped[Lesson | None] = relationship()
    group: Mapped[LessonGroup | None] = relationship()
    questions: Mapped[list[PollQuestion]] = relationship(
        cascade="all, delete-orphan", order_by="PollQuestion.position", lazy="selectin"
    )


class PollQuestion(Base):
    __tablename__ = "poll_questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[PollKind] = mapped_column(enum_column(PollKind))
    prompt: Mapped[str] = mapped_column(String(500))
    options: Mapped[list[Any]] = mapped_column(default=list)  # choice questions: the option labels


class PollAnswer(Base):
    """One person's current answer to one question (answering again replaces it)."""

    __tablename__ = "poll_answers"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("poll_questions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    choices: Mapped[list[Any]] = mapped_column(default=list)  # option indexes; a rating is [value]
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
