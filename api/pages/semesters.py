"""The semester selector of the work pages: which semester a page shows, and the ones it offers."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import Request

from api.errors import APIError
from api.quotas.common import semester_dates
from tingke.semesters import SEMESTER_PATTERN, current_semester, semester_of

SEMESTER = re.compile(SEMESTER_PATTERN)


def semester_from_query(request: Request) -> str:
    """``?semester=`` when it names a real semester, else the current one."""
    asked = request.query_params.get("semester", "")
    if SEMESTER.match(asked):
        try:
            semester_dates(asked)
            return asked
        except APIError:  # an impossible label (2026-2028-1) falls back to the current semester
            return current_semester()
    return current_semester()


def semesters_around(term: str) -> list[str]:
    """The chosen semester with the two before and the one after, for the selector."""
    first, last = semester_dates(term)
    labels = {term}
    day = first
    for _ in range(2):
        day = semester_dates(semester_of(day - timedelta(days=1)))[0]
        labels.add(semester_of(day))
    labels.add(semester_of(last + timedelta(days=1)))
    return sorted(labels, reverse=True)
