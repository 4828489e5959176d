"""Creating and reading in-app notifications."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.errors import not_found
from api.notifications.schemas import NotificationOut
from models import Notification
from tingke.notices import notify, notify_kind

__all__ = ["mark_all_read", "mark_read", "notify", "notify_kind", "page", "to_out", "unread_count"]



def unread_count(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def page(session: Session, user_id: int, unread_only: bool, limit: int, offset: int) -> tuple[list[Notification], int]:
    where = [Notification.user_id == user_id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Notification).where(*where)) or 0
    rows = session.scalars(
        select(Notification)
        .where(*where)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def mark_read(session: Session, user_id: int, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != user_id:
        raise not_found("notification")
    if row.read_at is None:
        row.read_at = datetime.now(UTC)
    return row


def mark_all_read(session: Session, user_id: int) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=datetime.now(UTC))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def to_out(row: Notification) -> NotificationOut:
    return NotificationOut(
        id=row.id,
        kind=row.kind,
        text=row.text,
        link=row.link,
        actor_name=row.actor.display_name if row.actor else None,
        created_at=row.created_at,
        read=row.read_at is not None,
        params=row.params or {},
    )
