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


# ---- sessions and passwords (issue 11 item 4: task A owns these; minimal versions with its names) --------

MIN_PASSWORD = 8


def revoke_sessions(session: Session, user: User) -> None:
    """Every token and cookie issued to the user so far stops working (each request checks the version)."""
    user.session_version = (user.session_version or 0) + 1
    session.flush()


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD or len(password) > 256:
        raise APIError(422, "weak_password", f"A password has {MIN_PASSWORD} to 256 characters.",
                       min=MIN_PASSWORD)


def change_password(session: Session, user: User, current_password: str, new_password: str) -> None:
    """The user's own change: the current password is checked; other sessions are signed out."""
    if not passwords.verify_password(user.password_hash, current_password):
        raise APIError(403, "wrong_password", "The current password is wrong.")
    _check_new_password(new_password)
    if current_password == new_password:
        raise APIError(422, "same_password", "Choose a password different from the current one.")
    user.password_hash = passwords.hash_password(new_password)
    user.must_change_password = False
    revoke_sessions(session, user)


def reset_password(session: Session, user: User, new_password: str | None = None) -> str:
    """An administrator's reset: a given password, or a one-time one to be replaced at the next sign-in.
    Every existing session of the user is revoked. Returns the password to hand over."""
    if new_password is None:
        new_password = passwords.new_one_time_password()
        user.password_hash = passwords.hash_one_time(new_password)
    else:
        _check_new_password(new_password)
        user.password_hash = passwords.hash_password(new_password)
    user.must_change_password = True
    revoke_sessions(session, user)
    return new_password


def deactivate_user(session: Session, user: User) -> None:
    user.is_active = False
    revoke_sessions(session, user)


def reactivate_user(session: Session, user: User) -> None:
    user.is_active = True
    session.flush()
