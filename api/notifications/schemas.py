"""Notifications as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.pagination import Page


class NotificationOut(BaseModel):
    id: int
    kind: str
    text: str
    link: str
    actor_name: str | None
    created_at: datetime
    read: bool
    params: dict[str, Any] = Field(default_factory=dict,
                                   description="The text's values; pages translate notif.kind.<kind> with them")


class NotificationPage(Page[NotificationOut]):
    unread: int


class UnreadCount(BaseModel):
    unread: int
