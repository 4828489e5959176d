"""Sign-in: check throttling, then the password."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import passwords, throttle
from api.errors import APIError
from models import User


def authenticate(session: Session, username: str, password: str) -> User:
    username = username.strip()
    if not username or len(username) > 64 or len(password) > 1024:
        raise APIError(401, "bad_credentials", "Wrong user name or password.")
    throttle.check(session, username)
    user = session.scalar(select(User).where(User.username == username))
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        throttle.record_failure(session, username)
        raise APIError(401, "bad_credentials", "Wrong user name or password.")
    throttle.record_success(session, username)
    return user
