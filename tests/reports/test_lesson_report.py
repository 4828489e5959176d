"""The lesson report's numbers: means and spread across observers, and Krippendorff's alpha."""

from __future__ import annotations

import pytest

from api.reports.agreement import krippendorff_alpha_interval
from tests.api.test_observations import SCORES_A, SCORES_B, _lesson_of, _observe


def test_two_observers_and_the_report(client, login):
    r1, t2 = login("researcher1"), login("teacher1")
    lesson = _lesson_of(client, r1, "刘老师")
    _observe(client, r1, lesson, SCORES_A)
    _observe(client, t2, lesson, SCORES_B)
    report = client.get(f"/api/lessons/{lesson}/report", headers=login("teacher2")).json()
    assert report["observers"] == 2
    goals = next(d for d in report["dimensions"] if d["code"] == "goals")
    assert goals["mean"] == 8.5 and goals["n"] == 2 and goals["std"] == pytest.approx(0.707, abs=1e-3)
    assert report["agreement"]["method"] == "krippendorff_alpha_interval"
    units = [[SCORES_A[c] / 10, SCORES_B[c] / 10] for c in SCORES_A]
    assert report["agreement"]["value"] == pytest.approx(krippendorff_alpha_interval(units), abs=1e-3)
    totals = sorted(row["total"] for row in report["rows"])
    assert totals == [76.5, 82.5]
    # the observed teacher sees the submitted observations with their notes
    seen = client.get(f"/api/lessons/{lesson}/observations", headers=login("teacher2")).json()
    assert len(seen) == 2 and all(len(o["notes"]) == 3 for o in seen)


@pytest.mark.parametrize(("units", "expected"), [
    ([[1, 1], [2, 2], [3, 3]], 1.0),  # perfect agreement
    ([[1, 2], [2, 1]], -0.5),  # hand computation: Do = 1, De = 2/3
    ([[0.5]], None),  # nothing pairable
])
def test_krippendorff_alpha(units, expected):
    value = krippendorff_alpha_interval(units)
    assert value == (pytest.approx(expected) if expected is not None else None)


def test_alpha_against_textbook_example():
    """Krippendorff (2011), reliability data of 4 coders on 12 units (interval alpha = 0.849)."""
    data = [
        [1, 1, None, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
        [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [None, 5, 5, 5], [None, None, 1, 1], [None, None, 3, None],
    ]
    units = [[v for v in row if v is not None] for row in data]
    assert krippendorff_alpha_interval(units) == pytest.approx(0.849, abs=1e-3)
