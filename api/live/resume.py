"""Resuming a lesson ended by mistake (issue 12): its teacher may go live again for
``live_resume_minutes`` after its live part ended. The new part is appended to the same lesson's
recording (the relay registers it as one more part; processing joins them all), never replacing it.

Resuming sets the lesson back to live so the relay admits the publisher, and supersedes the processing
of the earlier parts (``tingke.jobs_client.supersede``): the part recorded next queues the one job that
processes everything. ``live_resumed_at`` marks a resume nobody used yet; the sweeper hands such a lesson
back to processing once its grant could no longer be used (workers/sweeper.py ``release_unused_resumes``).

In a dual lesson only the master classroom (the one whose stop button ends the lesson) resumes it: another
classroom that could reopen it would record a part without the master. The other classrooms are told when
the lesson is live again and rejoin it (web/static/js/live_classroom.js).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from api.access import AccessContext, can_publish_live, can_resume_live
from api.errors import APIError, forbidden
from api.live.schemas import PublishGrant, ResumeWindow
from api.live.service import publish_grant
from models import Lesson, LessonStatus, lifecycle
from models.lifecycle import FINISHED
from tingke import jobs_client
from tingke.settings import get_settings
from tingke.timezone import as_utc


def seconds_left(lesson: Lesson, now: datetime | None = None) -> int:
    """Whole seconds left to resume the finished lesson; 0 when it cannot be (never live, window over)."""
    if lesson.status not in FINISHED or lesson.live_ended_at is None:
        return 0
    window = timedelta(minutes=get_settings().live_resume_minutes)
    left = (as_utc(lesson.live_ended_at) + window - (now or datetime.now(UTC))).total_seconds()
    return max(0, math.floor(left))


def window(ctx: AccessContext, lesson: Lesson) -> ResumeWindow:
    left = seconds_left(lesson) if can_resume_live(ctx, lesson) else 0
    return ResumeWindow(resumable=left > 0, seconds_left=left, minutes_left=math.ceil(left / 60),
                        status=lesson.status.value)


def resume(session: Session, ctx: AccessContext, lesson: Lesson) -> PublishGrant:
    """Reopen the finished lesson (one the caller may see) for its teacher within the window and grant a
    publish token."""
    if not can_publish_live(ctx, lesson):
        raise forbidden("Only the lesson's teacher or a teacher of its classrooms may resume it. "
                        "只有授课教师或双师课堂的教师可以继续直播。")
    if lesson.status in FINISHED:
        if not can_resume_live(ctx, lesson):
            raise forbidden("Only the master classroom resumes a dual lesson; the other classrooms rejoin once "
                            "it is live again. 双师课堂由主讲端继续直播，其他教室在直播继续后重新加入。")
        minutes = get_settings().live_resume_minutes
        if seconds_left(lesson) <= 0:
            raise APIError(409, "resume_window_over",
                           f"本课直播结束已超过 {minutes:g} 分钟（或本课没有直播过），不能再继续直播。"
                           f"The lesson's live part ended more than {minutes:g} minutes ago (or it was never "
                           "live); it can no longer be resumed.", minutes=minutes)
        jobs_client.supersede(session, lesson.id)
        lifecycle.move(lesson, LessonStatus.live)
        lesson.failure_reason = None
        lesson.live_resumed_at = datetime.now(UTC)
        session.flush()
    # already live (a second press, another classroom of a dual lesson): the normal grant
    return publish_grant(session, ctx, lesson)
