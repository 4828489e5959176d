"""The audit trail: who changed what, and who watched or downloaded which lesson (minors are on camera).

Append-only: the product has no path that updates or deletes a row (an ORM guard refuses it, and the
migration adds database triggers that refuse UPDATE and DELETE). Rows keep the actor's name as it was, and
hold plain ids rather than foreign keys, so that the trail outlives what it talks about.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_actor_at", "actor_id", "at"),
                      Index("ix_audit_events_lesson_at", "lesson_id", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None]  # None: the command line or the system
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64), index=True)  # "user.reset_password", "media.view", …
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[int | None]
    lesson_id: Mapped[int | None]
    school_id: Mapped[int | None]  # whose school the target belongs to (school admins see their own)
    summary: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    # One media-view row per viewer, lesson and hour: a second insert with the same key is ignored.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)


class AuditIsAppendOnly(Exception):
    """Raised when code tries to change or remove an audit row."""


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context: object, _instances: object) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditIsAppendOnly("the audit log is append-only")
