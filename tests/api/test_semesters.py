"""Semesters follow the district's calendar and clock: a school day starts at local midnight."""

from datetime import UTC, date, datetime

from tingke.semesters import current_semester, semester_bounds, semester_of
from tingke.timezone import day_window


def test_labels_and_bounds(env):
    assert semester_of(date(2026, 11, 23)) == "2026-2027-1"
    assert semester_of(date(2027, 1, 10)) == "2026-2027-1"
    assert semester_of(date(2027, 3, 1)) == "2026-2027-2"
    assert semester_bounds("2026-2027-1") == (date(2026, 8, 20), date(2027, 2, 14))
    assert semester_bounds("2026-2027-2") == (date(2027, 2, 15), date(2027, 8, 19))


def test_local_midnight_not_utc(env):
    # 01:00 on the first school day in Beijing is still the previous day in UTC
    early = datetime(2026, 8, 19, 17, 0, tzinfo=UTC)
    assert current_semester(early) == "2026-2027-1"
    start, end = day_window(*semester_bounds("2026-2027-1"))
    assert start <= early <= end
    before = datetime(2026, 8, 19, 15, 59, tzinfo=UTC)  # 23:59 the evening before, local time
    assert before < start


def test_time_zone_is_a_setting(env, monkeypatch):
    from tingke.settings import reset_settings

    monkeypatch.setenv("TINGKE_TIMEZONE", "UTC")
    reset_settings()
    assert current_semester(datetime(2026, 8, 19, 17, 0, tzinfo=UTC)) == "2025-2026-2"
