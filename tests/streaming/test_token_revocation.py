"""A live token dies with its holder's session (issue 11 item 4): after a sign-out (or a password change or
reset, or deactivation), a viewer's or publisher's token that is still within its minutes is refused by the
relay, as the API refuses the person's bearer token."""

from __future__ import annotations

import json
import time

import pytest

from api.auth.service import deactivate_user, revoke_sessions
from models import Lesson, School, User, UserRole
from models.db import session_scope
from testkit import peers
from tests.conftest import TEST_SECRET
from tingke.signing import sign_token

pytestmark = pytest.mark.slow


def _world(url: str) -> tuple[str, int, int]:
    """A lesson, its teacher and a colleague who watches."""
    with session_scope(url) as session:
        school = School(name="城东实验小学")
        session.add(school)
        session.flush()
        stamp = time.time_ns()
        teacher = User(username=f"t{stamp}", display_name="陈老师", password_hash="x", school_id=school.id)
        viewer = User(username=f"v{stamp}", display_name="刘老师", password_hash="x", school_id=school.id,
                      role=UserRole.teacher)
        session.add_all([teacher, viewer])
        session.flush()
        lesson = Lesson(title="分数的初步认识", subject="数学", grade="三年级", teacher_id=teacher.id,
                        school_id=school.id)
        session.add(lesson)
        session.flush()
        return str(lesson.id), teacher.id, viewer.id


def _token(url: str, room: str, user_id: int, role: str) -> str:
    """What the API's grant gives the person now (the session version they hold)."""
    with session_scope(url) as session:
        user = session.get(User, user_id)
        assert user is not None
        claims = {"room": room, "role": role, "mode": "broadcast", "sub": str(user_id), "sv": user.session_version,
                  "name": user.display_name, "label": "", "master": role == "publisher"}
    return sign_token("live", claims, 600, key=TEST_SECRET.encode())


def _refused(exc: pytest.ExceptionInfo[peers.SignallingError]) -> str:
    assert exc.value.status == 401, exc.value.body
    return str(json.loads(exc.value.body)["error"]["code"])


async def test_signing_out_revokes_live_tokens(recording_relay):
    relay, url = recording_relay
    room, teacher, viewer = _world(url)
    publishing = _token(url, room, teacher, "publisher")
    watching = _token(url, room, viewer, "viewer")
    publisher, _ = await peers.publish(relay.base_url, room, publishing)
    try:
        first = await peers.watch(relay.base_url, room, watching)
        assert await first.frames(5) >= 5
        await first.close()

        with session_scope(url) as session:  # the viewer signs out (DELETE /api/auth/session does this)
            revoke_sessions(session, session.get(User, viewer))
        with pytest.raises(peers.SignallingError) as refused:
            await peers.watch(relay.base_url, room, watching)
        assert _refused(refused) == "token_revoked"
        again = await peers.watch(relay.base_url, room, _token(url, room, viewer, "viewer"))  # signed in again
        assert await again.frames(5) >= 5
        await again.close()

        with session_scope(url) as session:  # an admin deactivates the teacher: no way back in with the old token
            deactivate_user(session, session.get(User, teacher))
        with pytest.raises(peers.SignallingError) as refused:
            await peers.publish(relay.base_url, room, publishing)
        assert _refused(refused) == "token_revoked"
    finally:
        await publisher.leave()
