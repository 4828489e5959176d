"""Writing in-app notifications, from any plane (the API for its own events, the worker when a
recording is ready). One row per recipient, in the caller's transaction: it appears when that commits,
and not at all if it rolls back. Pages read them through ``api/notifications``.

``text`` is the Chinese wording (what a client without the translation table shows); ``params`` are its
values, so that a page says it in the reader's language with ``notif.kind.<kind>`` (web/i18n). Times in
``params`` are already on the district's clock (``tingke.timezone.format_local``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from models import Lesson, Notification
from tingke.timezone import format_local, now

TEXT_LIMIT = 300

# kind -> the Chinese text, with {placeholders} filled from params (the same as notif.kind.<kind> in zh)
TEXTS = {
    "lesson_live": "「{title}」（{teacher}）正在直播，点击进入听课",
    "observation_submitted": "{observer} 提交了对「{title}」的听课记录（{when}）",
    "recording_ready": "「{title}」的录像已处理完成，可以回看和查看课堂分析（{when}）",
    "recording_failed": "「{title}」的录像处理失败（{when}），请在课程页查看原因",
}


def notify(session: Session, user_id: int, kind: str, text: str, link: str = "", actor_id: int | None = None,
           params: dict[str, Any] | None = None) -> None:
    """Queue one notification in the caller's transaction."""
    if len(text) > TEXT_LIMIT:
        text = text[: TEXT_LIMIT - 1] + "…"
    session.add(Notification(user_id=user_id, kind=kind, text=text, link=link[:300], actor_id=actor_id,
                             params=params or {}))


def notify_kind(session: Session, user_id: int, kind: str, link: str, actor_id: int | None = None,
                **params: Any) -> None:
    """A notification of one of :data:`TEXTS`' kinds, its text made from ``params``."""
    notify(session, user_id, kind, TEXTS[kind].format(**params), link, actor_id, params)


def recording_processed(session: Session, lesson: Lesson, failed: bool) -> None:
    """Tell the lesson's teacher that its recording is ready (or failed), in the worker's transaction
    that sets the lesson's status."""
    kind = "recording_failed" if failed else "recording_ready"
    notify_kind(session, lesson.teacher_id, kind, f"/lessons/{lesson.id}", title=lesson.title,
                when=format_local(now()))
