"""Media files of a lesson, its transcript, and the processing jobs that make them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, enum_column, utcnow
from models.enums import JobState, MediaKind


class MediaAsset(Timestamped, Base):
    """A file under the media root (path is relative to it), e.g. a recording or the HLS ladder."""

    __tablename__ = "media_assets"
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MediaKind] = mapped_column(enum_column(MediaKind))
    path: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    duration_seconds: Mapped[float | None]
    label: Mapped[str] = mapped_column(String(100), default="")  # e.g. which classroom
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)


class TranscriptSegment(Base):
    __tablename__ = "transcript_segments"
    __table_args__ = (UniqueConstraint("lesson_id", "idx"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("media_assets.id", ondelete="SET NULL"))
    idx: Mapped[int]
    start: Mapped[float]
    end: Mapped[float]
    text: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(20))  # teacher / student / mixed (多人) / None


class TranscriptRevision(Base):
    """One version of a transcript line. The machine's version is kept as version 1 (``author_id`` None) when a
    person first corrects the line; each correction adds the next version with who made it and when.

    The line itself (TranscriptSegment) always holds the newest text. ``segment_id`` is SET NULL when the
    pipeline replaces the transcript (a reprocess), so the history is never lost with it; ``start``/``end``
    still say where in the lesson the line was."""

    __tablename__ = "transcript_revisions"
    __table_args__ = (UniqueConstraint("segment_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("transcript_segments.id", ondelete="SET NULL"),
                                                   index=True)
    version: Mapped[int]
    start: Mapped[float]
    end: Mapped[float]
    text: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(20))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(Timestamped, Base):
    """The truth about a processing job; the broker is only a doorbell (see workers/)."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("media_assets.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[JobState] = mapped_column(enum_column(JobState), default=JobState.queued, index=True)
    stage: Mapped[str] = mapped_column(String(40), default="")
    progress: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)  # per stage: seconds, skipped and why


class LessonAnalytics(Base):
    """The analysis of a lesson (S-T, talk time, questions) as one JSON document, replaced on every run."""

    __tablename__ = "lesson_analytics"
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
