"""Lessons, their classrooms (for dual-teacher lessons) and 同课异构 groups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped, enum_column
from models.community import School, User
from models.enums import LessonKind, LessonStatus, RoomMode, Visibility


class LessonGroup(Timestamped, Base):
    """同课异构: one topic taught by several teachers.

    Its visibility is its own (api.access.can_view_group): it follows the lesson it was created around
    (``origin_lesson``) and its zone, not whichever lessons were later placed in it.
    """

    __tablename__ = "lesson_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(50))
    grade: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    origin_lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL", use_alter=True))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), index=True)

    lessons: Mapped[list[Lesson]] = relationship(back_populates="group", foreign_keys="Lesson.group_id")
    origin_lesson: Mapped[Lesson | None] = relationship(foreign_keys=[origin_lesson_id], post_update=True)


class Lesson(Timestamped, Base):
    __tablename__ = "lessons"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(50), index=True)
    grade: Mapped[str] = mapped_column(String(20), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    kind: Mapped[LessonKind] = mapped_column(enum_column(LessonKind), default=LessonKind.ordinary, index=True)
    scheduled_at: Mapped[datetime | None] = mapped_column(index=True)
    duration_minutes: Mapped[int] = mapped_column(default=45)
    status: Mapped[LessonStatus] = mapped_column(
        enum_column(LessonStatus), default=LessonStatus.scheduled, index=True
    )
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility), default=Visibility.community)
    room_mode: Mapped[RoomMode] = mapped_column(enum_column(RoomMode), default=RoomMode.broadcast)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("lesson_groups.id"), index=True)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    media_duration_seconds: Mapped[float | None]
    live_announced_at: Mapped[datetime | None]  # its observers were told it is live (api/notifications/live.py)
    live_ended_at: Mapped[datetime | None]  # its last live part ended (streaming/lesson_store.py); resume window
    live_resumed_at: Mapped[datetime | None]  # resumed, and no publisher came back yet (api/live/resume.py)

    teacher: Mapped[User] = relationship(foreign_keys=[teacher_id])
    school: Mapped[School] = relationship()
    group: Mapped[LessonGroup | None] = relationship(back_populates="lessons", foreign_keys=[group_id])
    classrooms: Mapped[list[LessonClassroom]] = relationship(
        cascade="all, delete-orphan", order_by="LessonClassroom.position"
    )

    @property
    def master_classroom(self) -> LessonClassroom | None:
        """A dual lesson's master classroom (主讲端): the first by position. It ends the lesson, resumes it,
        and is what the crowd's live HLS shows."""
        return min(self.classrooms, key=lambda c: c.position, default=None)

    @property
    def length_seconds(self) -> float:
        """The lesson clock's end: the recording's length once known, else the planned duration."""
        return float(self.media_duration_seconds or self.duration_minutes * 60)


class LessonClassroom(Base):
    """A classroom taking part in a dual-teacher lesson (主讲端 at position 0, 辅助端 after it)."""

    __tablename__ = "lesson_classrooms"
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    label: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[int] = mapped_column(default=0)
