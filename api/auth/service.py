"""Sign-in, and the account changes that end sessions: sign-out, password change, an administrator's reset,
deactivation.

Every token and cookie carries the user's ``session_version`` (api/auth/tokens.py) and every request
compares it with the stored one (api/deps.py), so :func:`revoke_sessions` ends every session the user has
on every device at once. The functions here change the user and flush; the caller's request commits. They
check nothing about *who* asks (an endpoint decides that: the user themself, or an administrator).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import passwords, throttle
from api.errors import APIError
from models import User


def authenticate(session: Session, username: str, password: str) -> User:
    """The user with this name and password, or 401 (429 while throttled; 403 for a deactivated account, said
    only to someone who knows its password)."""
    username = username.strip()
    if not username or len(username) > 64 or len(password) > 1024:
        raise APIError(401, "bad_credentials", "Wrong user name or password.")
    throttle.check(session, username)
    user = session.scalar(select(User).where(User.username == username))
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None:
        throttle.record_failure(session, username)
        raise APIError(401, "bad_credentials", "Wrong user name or password.")
    if not user.is_active:
        raise APIError(403, "account_deactivated",
                       "This account has been deactivated. Ask your school or the district office to reactivate it.")
    throttle.record_success(session, username)
    return user


def revoke_sessions(session: Session, user: User) -> None:
    """Sign the user out everywhere: every token and cookie issued so far stops working on its next request."""
    user.session_version = (user.session_version or 0) + 1
    session.flush()


def check_new_password(user: User, password: str) -> None:
    """422 ``weak_password`` (with ``min``) unless the password passes api.auth.passwords.strength_problem."""
    problem = passwords.strength_problem(password, user.username)
    if problem is not None:
        raise APIError(422, "weak_password", problem, min=passwords.MIN_LENGTH)


def change_password(session: Session, user: User, current_password: str, new_password: str) -> None:
    """The user's own change. The current password is required and throttled like a sign-in (a stolen session
    cannot guess it); the new one must be strong and different. Every session of the user ends, including
    the caller's: the endpoint hands the caller a fresh one. A one-time password is thereby replaced."""
    throttle.check(session, user.username)
    if not passwords.verify_password(user.password_hash, current_password):
        throttle.record_failure(session, user.username)
        raise APIError(403, "wrong_password", "The current password is wrong.")
    throttle.record_success(session, user.username)
    if current_password == new_password:
        raise APIError(422, "same_password", "Choose a password different from the current one.")
    check_new_password(user, new_password)
    user.password_hash = passwords.hash_password(new_password)
    user.must_change_password = False
    revoke_sessions(session, user)


def reset_password(session: Session, user: User, new_password: str | None = None) -> str:
    """An administrator's reset (the user forgot theirs): a given password, or a one-time one to be replaced
    at the next sign-in. Every session of the user ends. Returns the password to hand over."""
    if new_password is None:
        new_password = passwords.new_one_time_password()
        user.password_hash = passwords.hash_one_time(new_password)
    else:
        check_new_password(user, new_password)
        user.password_hash = passwords.hash_password(new_password)
    user.must_change_password = True
    revoke_sessions(session, user)
    return new_password


def deactivate_user(session: Session, user: User) -> None:
    """The user can no longer sign in (told so at sign-in) and every session of theirs ends now."""
    user.is_active = False
    revoke_sessions(session, user)


def reactivate_user(session: Session, user: User) -> None:
    """The user may sign in again with their password; sessions ended at deactivation stay ended."""
    user.is_active = True
    session.flush()
