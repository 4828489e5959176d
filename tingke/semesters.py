"""Semesters of the Chinese school year, with their boundaries as a setting.

Labels read ``2026-2027-1`` (autumn term of the 2026/27 school year) and ``2026-2027-2`` (spring).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from tingke.settings import get_settings


def _starts(year: int) -> tuple[date, date]:
    spring, autumn = (s.strip() for s in get_settings().semester_starts.split(","))
    sm, sd = (int(x) for x in spring.split("-"))
    am, ad = (int(x) for x in autumn.split("-"))
    return date(year, sm, sd), date(year, am, ad)


def semester_of(day: date) -> str:
    spring, autumn = _starts(day.year)
    if day >= autumn:
        return f"{day.year}-{day.year + 1}-1"
    if day >= spring:
        return f"{day.year - 1}-{day.year}-2"
    return f"{day.year - 1}-{day.year}-1"


def semester_bounds(label: str) -> tuple[date, date]:
    """First and last day of a semester label (the last day is the eve of the next start)."""
    first_year, second_year, term = (int(p) for p in label.split("-"))
    if second_year != first_year + 1 or term not in (1, 2):
        raise ValueError(f"not a semester label: {label}")
    if term == 1:
        start = _starts(first_year)[1]
        end = _starts(second_year)[0]
    else:
        start = _starts(second_year)[0]
        end = _starts(second_year)[1]
    return start, date.fromordinal(end.toordinal() - 1)


def district_zone() -> ZoneInfo:
    """The district's time zone: a school day starts at local midnight, not at UTC midnight."""
    return ZoneInfo(get_settings().timezone)


def day_window(first: date, last: date) -> tuple[datetime, datetime]:
    """Local days first..last as an aware interval [start, end] for comparing stored timestamps."""
    zone = district_zone()
    return datetime.combine(first, time.min, tzinfo=zone), datetime.combine(last, time.max, tzinfo=zone)


def current_semester(now: datetime | None = None) -> str:
    moment = now or datetime.now(district_zone())
    return semester_of(moment.astimezone(district_zone()).date() if moment.tzinfo else moment.date())


def school_year_of(semester: str) -> str:
    """The 学年 of a semester label: ``2026-2027-2`` → ``2026-2027``."""
    return semester.rsplit("-", 1)[0]


def current_school_year() -> str:
    return school_year_of(current_semester())
