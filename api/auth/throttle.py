"""Slow down repeated failed sign-ins per user name (kept in the database for every API process)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from api.errors import APIError
from models import LoginThrottle
from tingke.settings import get_settings


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def required_wait(row: LoginThrottle | None, now: datetime) -> float:
    """Seconds still to wait: none for the first few failures, then doubling up to a cap."""
    settings = get_settings()
    if row is None or row.failures < settings.signin_free_failures:
        return 0.0
    delay = min(2 ** (row.failures - settings.signin_free_failures), settings.signin_max_delay_seconds)
    return max(0.0, delay - (now - _aware(row.last_failure_at)).total_seconds())


def check(session: Session, username: str) -> None:
    wait = required_wait(session.get(LoginThrottle, username.lower()), datetime.now(UTC))
    if wait > 0:
        seconds = int(wait) + 1
        raise APIError(
            429, "too_many_attempts",
            f"Too many failed sign-ins for this account. Try again in {seconds} seconds.",
            headers={"Retry-After": str(seconds)},
        )


def record_failure(session: Session, username: str) -> None:
    key = username.lower()[:64]
    row = session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(username=key, failures=0)
        session.add(row)
    row.failures += 1
    row.last_failure_at = datetime.now(UTC)
    session.commit()


def record_success(session: Session, username: str) -> None:
    row = session.get(LoginThrottle, username.lower())
    if row is not None:
        session.delete(row)
