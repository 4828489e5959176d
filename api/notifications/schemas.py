"""Notifications as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from api.pagination import Page


class NotificationOut(BaseModel):
    id: int
    kind: str
    text: str
    link: str
    actor_name: str | None
    created_at: datetime
    read: bool


class NotificationPage(Page[NotificationOut]):
    unread: int


class UnreadCount(BaseModel):
    unread: int
