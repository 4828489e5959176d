"""My notifications: list (newest first), unread count for the nav badge, mark read."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import DB, CurrentUser
from api.notifications import service
from api.notifications.live import announce_live_lessons
from api.notifications.schemas import NotificationOut, NotificationPage, UnreadCount
from api.pagination import Paging
from api.types import PathId

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


@router.get("", response_model=NotificationPage)
def list_notifications(session: DB, user: CurrentUser, paging: Paging, unread: bool = False) -> NotificationPage:
    announce_live_lessons(session)
    rows, total = service.page(session, user.id, unread, paging.limit, paging.offset)
    return NotificationPage(items=[service.to_out(r) for r in rows], total=total,
                            unread=service.unread_count(session, user.id), **paging.model_dump())


@router.get("/unread-count", response_model=UnreadCount)
def unread_count(session: DB, user: CurrentUser) -> UnreadCount:
    announce_live_lessons(session)  # lessons the relay set live since: their observers are told first
    return UnreadCount(unread=service.unread_count(session, user.id))


@router.post("/{notification_id}/read", response_model=NotificationOut)
def mark_read(notification_id: PathId, session: DB, user: CurrentUser) -> NotificationOut:
    return service.to_out(service.mark_read(session, user.id, notification_id))


@router.post("/read-all", response_model=UnreadCount)
def mark_all_read(session: DB, user: CurrentUser) -> UnreadCount:
    service.mark_all_read(session, user.id)
    return UnreadCount(unread=0)
