"""Inter-rater agreement for rubric scores: Krippendorff's alpha with the interval metric.

Units are the rubric's dimensions, raters are the observers, and every score is taken as a share
of its dimension's maximum so that dimensions on different scales compare. Alpha handles missing
scores and any number of raters (1 = perfect agreement, 0 = no better than chance, < 0 = systematic
disagreement). Caveat worth showing to users: with few dimensions whose true levels are close, the
expected disagreement is small and alpha falls even when observers differ only a little.
"""

from __future__ import annotations

from collections.abc import Sequence


def _pair_sum(values: Sequence[float]) -> float:
    """Sum of (a - b)^2 over ordered pairs of distinct positions."""
    m = len(values)
    s = sum(values)
    return 2.0 * (m * sum(v * v for v in values) - s * s)


def krippendorff_alpha_interval(units: Sequence[Sequence[float]]) -> float | None:
    """Alpha over units, each a list of the values its raters gave (missing values left out).

    Returns None when fewer than two pairable values exist; 1.0 when every value is identical.
    """
    pairable = [list(u) for u in units if len(u) >= 2]
    n = sum(len(u) for u in pairable)
    if n < 2:
        return None
    observed = sum(_pair_sum(u) / (len(u) - 1) for u in pairable) / n
    everything = [v for u in pairable for v in u]
    expected = _pair_sum(everything) / (n * (n - 1))
    if expected == 0:
        return 1.0
    return 1.0 - observed / expected


def describe(alpha: float | None) -> str:
    """Krippendorff's own reading: ≥ 0.8 reliable, ≥ 0.667 tentative, below that not reliable."""
    if alpha is None:
        return "insufficient"
    if alpha >= 0.8:
        return "reliable"
    if alpha >= 0.667:
        return "tentative"
    return "low"
