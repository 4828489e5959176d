"""Semesters of the Chinese school year, with their boundaries as a setting.

Labels read ``2026-2027-1`` (autumn term of the 2026/27 school year) and ``2026-2027-2`` (spring).
"""

from __future__ import annotations

from datetime import date, datetime

from tingke.settings import get_settings
from tingke.timezone import day_window, local_date, today

__all__ = ["SCHOOL_YEAR_PATTERN", "SEMESTER_PATTERN", "current_semester", "day_window", "semester_bounds",
           "semester_of"]  # day_window: tingke.timezone

SEMESTER_PATTERN = r"^\d{4}-\d{4}-[12]$"  # a semester label, e.g. 2026-2027-1 (validated in full by semester_bounds)
SCHOOL_YEAR_PATTERN = r"^\d{4}-\d{4}$"  # a school year (学年), e.g. 2026-2027


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


def current_semester(now: datetime | None = None) -> str:
    """The semester of ``now`` (default: this moment) on the district's calendar; a naive ``now`` is UTC."""
    return semester_of(local_date(now) if now is not None else today())


def school_year_of(semester: str) -> str:
    """The 学年 of a semester label: ``2026-2027-2`` → ``2026-2027``."""
    return semester.rsplit("-", 1)[0]


def current_school_year() -> str:
    return school_year_of(current_semester())
