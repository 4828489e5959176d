"""Semester windows, shared by the workflow domains."""

from __future__ import annotations

from datetime import date, datetime

from api.errors import APIError
from tingke.semesters import current_semester, semester_bounds
from tingke.timezone import day_window


def semester_or_current(semester: str | None) -> str:
    return semester or current_semester()


def semester_dates(semester: str) -> tuple[date, date]:
    """First and last day of a semester label; a malformed label is the caller's 422."""
    try:
        return semester_bounds(semester)
    except ValueError as exc:
        raise APIError(422, "bad_semester", f"'{semester}' is not a semester label like 2026-2027-1.",
                       semester=semester) from exc


def semester_window(semester: str) -> tuple[datetime, datetime]:
    """The semester as an aware interval [start, end] in the district's time zone."""
    return day_window(*semester_dates(semester))
