"""Writing the audit trail: admin actions inside their own transaction, media views cheaply on the side.

An admin action is recorded by the service function that makes the change, in the same transaction, so a
change and its record are kept or lost together. A media view is recorded once per viewer, lesson, kind and
hour: a process-local memory of recent keys skips the database for every further segment, and a unique key
makes a second API process's insert of the same view a no-op.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from models import AuditEvent, User

log = logging.getLogger(__name__)

CLI_ACTOR = "命令行"  # the operator at the server's command line: no account, every right
client_ip: ContextVar[str | None] = ContextVar("tingke_client_ip", default=None)


def actor_of(user: User | None) -> tuple[int | None, str]:
    return (user.id, user.display_name) if user is not None else (None, CLI_ACTOR)


def record(session: Session, actor: User | None, action: str, *, target_type: str | None = None,
           target_id: int | None = None, lesson_id: int | None = None, school_id: int | None = None,
           summary: str = "", **details: Any) -> AuditEvent:
    """Append one admin action to the log, in the caller's transaction."""
    actor_id, actor_name = actor_of(actor)
    row = AuditEvent(actor_id=actor_id, actor_name=actor_name[:100], action=action, target_type=target_type,
                     target_id=target_id, lesson_id=lesson_id, school_id=school_id, summary=summary[:500],
                     details={k: v for k, v in details.items() if v is not None}, ip=client_ip.get())
    session.add(row)
    return row


# ---- media views --------------------------------------------------------------------------------

class _RecentKeys:
    """A bounded, thread-safe memory of view keys already written by this process."""

    def __init__(self, size: int = 50_000) -> None:
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def add(self, key: str) -> bool:
        """True when the key is new (the caller writes it)."""
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                return False
            self._keys[key] = None
            if len(self._keys) > self._size:
                self._keys.popitem(last=False)
            return True

    def forget(self, key: str) -> None:
        with self._lock:
            self._keys.pop(key, None)


recent_views = _RecentKeys()


def view_key(viewer_id: int, lesson_id: int, action: str, moment: datetime) -> str:
    return f"{action}:{lesson_id}:{viewer_id}:{moment.astimezone(UTC):%Y%m%d%H}"


def _insert_view(session: Session, viewer_id: int, lesson_id: int, action: str, key: str, now: datetime,
                 details: dict[str, Any]) -> None:
    user = session.get(User, viewer_id)
    values = {"at": now, "actor_id": viewer_id, "actor_name": user.display_name if user else f"#{viewer_id}",
              "action": action, "target_type": "lesson", "target_id": lesson_id, "lesson_id": lesson_id,
              "school_id": user.school_id if user else None, "summary": "", "details": details,
              "ip": client_ip.get(), "dedupe_key": key}
    dialect = session.get_bind().dialect.name
    stmt: Any
    if dialect == "postgresql":
        stmt = pg_insert(AuditEvent).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    elif dialect == "sqlite":
        stmt = sqlite_insert(AuditEvent).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    else:  # pragma: no cover - only the two supported backends exist
        stmt = insert(AuditEvent).values(**values)
    session.execute(stmt)


def record_media_access(factory: sessionmaker[Session], viewer_id: int, lesson_id: int, action: str,
                        **details: Any) -> None:
    """``media.view`` or ``media.download`` by a viewer: one row per viewer, lesson, action and hour.

    Called at the entry of the media routes, which hold no session: it opens its own short one only when the
    key is new to this process; a failure to write is logged, never turned into a refused segment."""
    now = datetime.now(UTC)
    key = view_key(viewer_id, lesson_id, action, now)
    if not recent_views.add(key):
        return
    try:
        with factory() as session:
            _insert_view(session, viewer_id, lesson_id, action, key, now, details)
            session.commit()
    except Exception:  # the viewer still gets the segment; the next request of the hour tries again
        recent_views.forget(key)
        log.exception("could not record a media view (lesson %s, viewer %s)", lesson_id, viewer_id)


def record_live_watch(session: Session, viewer_id: int, lesson_id: int) -> None:
    """A live watch grant (WebRTC or live HLS) is a view too, written in the grant's own transaction."""
    now = datetime.now(UTC)
    key = view_key(viewer_id, lesson_id, "media.view", now)
    if recent_views.add(key):
        _insert_view(session, viewer_id, lesson_id, "media.view", key, now, {"via": "live"})
