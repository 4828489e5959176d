"""One rule for times: stored UTC (aware in and out, SQLite and PostgreSQL alike), typed and read on the
district's clock (tingke.timezone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from models import Lesson
from models.db import session_scope
from tingke.timezone import at_local, format_local, from_local, local_date, to_local


def test_the_database_keeps_the_instant(db_url: str, demo: dict[str, int]) -> None:
    """Regression: SQLite wrote an aware 09:00+08:00 as "09:00" and read back a naive 09:00, taken as UTC.
    (A day far from the demo's lessons, which sit around today.)"""
    shanghai = timezone(timedelta(hours=8))
    with session_scope(db_url) as session:
        lesson = session.get(Lesson, 1)
        assert lesson is not None
        lesson.scheduled_at = datetime(2031, 6, 1, 9, 0, tzinfo=shanghai)
    with session_scope(db_url) as session:
        back = session.get(Lesson, 1).scheduled_at  # type: ignore[union-attr]
        assert back == datetime(2031, 6, 1, 1, 0, tzinfo=UTC) and back.tzinfo is not None
        assert back.utcoffset() == timedelta(0)
        # comparisons with aware bounds in another zone mean the same instant
        found = session.query(Lesson.id).filter(Lesson.scheduled_at >= datetime(2031, 6, 1, 8, 59, tzinfo=shanghai),
                                                Lesson.scheduled_at < datetime(2031, 6, 1, 9, 1, tzinfo=shanghai))
        assert [row.id for row in found] == [1]
        assert format_local(back) == "2031-06-01 09:00"


def test_typed_and_read_in_the_district(env) -> None:
    assert from_local(datetime(2026, 12, 1, 9, 0)) == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert from_local(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert at_local(date(2026, 12, 1), time(9, 0)) == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert to_local(datetime(2026, 12, 1, 1, 0)).hour == 9  # naive means UTC
    assert local_date(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == date(2026, 12, 1)  # 00:30 in Shanghai
    assert format_local(None) == ""


def test_the_zone_is_a_setting(env, monkeypatch) -> None:
    from tingke.settings import reset_settings

    monkeypatch.setenv("TINGKE_TIMEZONE", "Asia/Urumqi")
    reset_settings()
    assert format_local(datetime(2026, 12, 1, 1, 0, tzinfo=UTC)) == "2026-12-01 07:00"
