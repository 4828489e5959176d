"""Community workflows that count themselves: quota rules, visits and activities, spot-check draws,
同课异构 events and reformed-lesson qualification (seeds 000, 003 parts 1 and 8, 004).

Quota *progress* is never stored: it is computed from observations, sign-offs and activities; only the
rules (targets) are data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped, enum_column, utcnow
from models.community import School, User
from models.enums import ActivityKind, QualificationLevel, QualificationStatus


class QuotaRule(Timestamped, Base):
    """One target: who (audience) must reach how much of what (metric) in a semester.

    ``zone_id`` None means every zone of the district; ``semester`` None means every semester. The most
    specific rule wins (zone and semester, zone only, semester only, district default).
    """

    __tablename__ = "quota_rules"
    __table_args__ = (UniqueConstraint("zone_id", "semester", "audience", "metric"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"), index=True)
    semester: Mapped[str | None] = mapped_column(String(16))
    audience: Mapped[str] = mapped_column(String(32))  # researcher, school_leader, ..., subject_group
    metric: Mapped[str] = mapped_column(String(32))  # observations, drop_in_share, visit_days, ...
    target: Mapped[float]
    maximum: Mapped[float | None]  # "1-2 seminars": informative upper bound
    source: Mapped[str] = mapped_column(String(200), default="")  # which document the number comes from
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Activity(Timestamped, Base):
    """A visit (蹲点进校), collective preparation (集体备课), themed research (主题教研) or seminar."""

    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), index=True)
    subject: Mapped[str] = mapped_column(String(50), default="")
    organizer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    minutes: Mapped[str] = mapped_column(Text, default="")  # 纪要

    organizer: Mapped[User] = relationship(foreign_keys=[organizer_id])
    school: Mapped[School | None] = relationship()
    attendees: Mapped[list[ActivityAttendee]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    materials: Mapped[list[ActivityMaterial]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ActivityMaterial.id"
    )


class ActivityAttendee(Base):
    __tablename__ = "activity_attendees"
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class ActivityMaterial(Base):
    """A file stored under media_root/activities/, or a link."""

    __tablename__ = "activity_materials"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(1000))  # a link
    path: Mapped[str | None] = mapped_column(String(500))  # relative to media_root
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpotCheckDraw(Base):
    """抽测课: who drew, when, among whom (snapshot), with which seed, and whom it chose."""

    __tablename__ = "spot_check_draws"
    id: Mapped[int] = mapped_column(primary_key=True)
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    drawn_at: Mapped[datetime] = mapped_column(default=utcnow)
    lesson_date: Mapped[date] = mapped_column(index=True)
    seed: Mapped[str] = mapped_column(String(64))
    eligible_ids: Mapped[list[Any]] = mapped_column(default=list)  # sorted user ids, the draw's input
    excluded: Mapped[dict[str, Any]] = mapped_column(default=dict)  # user id → reason
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)  # max age, weeks, scope, subject
    chosen_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))

    drawn_by: Mapped[User] = relationship(foreign_keys=[drawn_by_id])
    chosen: Mapped[User] = relationship(foreign_keys=[chosen_id])


class LessonGroupEvent(Base):
    """The event around a 同课异构 group: when, hosted where, by whom, and what for."""

    __tablename__ = "lesson_group_events"
    group_id: Mapped[int] = mapped_column(ForeignKey("lesson_groups.id", ondelete="CASCADE"), primary_key=True)
    held_on: Mapped[date] = mapped_column(index=True)
    host_school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Qualification(Base):
    """课改合格课: one assessment of a person's lesson, decided by one observation."""

    __tablename__ = "qualifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    level: Mapped[QualificationLevel] = mapped_column(enum_column(QualificationLevel))
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id"))
    assessed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[QualificationStatus] = mapped_column(enum_column(QualificationStatus), index=True)
    semester: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    teacher: Mapped[User] = relationship(foreign_keys=[teacher_id])
    assessed_by: Mapped[User] = relationship(foreign_keys=[assessed_by_id])
    checks: Mapped[list[QualificationCheck]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="QualificationCheck.id"
    )


class QualificationCheck(Base):
    """A random re-check of a passed qualification (动态管理); failing it revokes the pass."""

    __tablename__ = "qualification_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualifications.id", ondelete="CASCADE"), index=True)
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drawn_at: Mapped[datetime] = mapped_column(default=utcnow)
    seed: Mapped[str] = mapped_column(String(64), default="")
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id"))
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    passed: Mapped[bool | None]  # None until checked
    checked_at: Mapped[datetime | None]
    notes: Mapped[str] = mapped_column(Text, default="")
