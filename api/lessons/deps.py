"""Fetch-or-404 dependencies for routes under ``/lessons/{lesson_id}``: an endpoint names the lesson it needs
(``lesson: VisibleLesson``) instead of calling the access check by hand, so no route can forget it.

Visible: 404 for a lesson that does not exist or that the caller may not see (the same answer, so ids reveal
nothing). Managed: that, then 403 unless the caller may change the lesson (api.access.can_manage_lesson).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from api.deps import DB, Access
from api.lessons.service import get_managed, get_visible
from api.types import PathId
from models import Lesson


def visible_lesson(lesson_id: PathId, session: DB, ctx: Access) -> Lesson:
    return get_visible(session, ctx, lesson_id)


def managed_lesson(lesson_id: PathId, session: DB, ctx: Access) -> Lesson:
    return get_managed(session, ctx, lesson_id)


VisibleLesson = Annotated[Lesson, Depends(visible_lesson)]
ManagedLesson = Annotated[Lesson, Depends(managed_lesson)]
