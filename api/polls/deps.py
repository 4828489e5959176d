"""Fetch-or-404 dependency for routes under ``/polls/{poll_id}``: an endpoint names the poll it needs
(``poll: VisiblePoll``) instead of calling the access check by hand (as api/lessons/deps.py for lessons)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from api.deps import DB, Access
from api.polls.service import get_visible
from api.types import PathId
from models import Poll


def visible_poll(poll_id: PathId, session: DB, ctx: Access) -> Poll:
    return get_visible(session, ctx, poll_id)


VisiblePoll = Annotated[Poll, Depends(visible_poll)]
