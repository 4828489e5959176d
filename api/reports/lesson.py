"""The lesson report, collected once for a reader: the JSON report, the report page (which reads the
JSON), the compare page and both downloads (.docx, .xlsx) all take what :func:`collect` returns.

The rule (the access checks themselves are in :mod:`api.access`):

- the report covers the lesson's submitted and signed-off observations made with its most used
  rubric (drafts are still changing);
- a reader sees an observation's row (name, scores, notes, comments) only if
  :func:`api.access.can_read_observation` allows it;
- aggregates (per-dimension mean, spread, min/max; the totals' mean and spread; the agreement
  between observers) are shown only when :func:`api.access.can_see_aggregates` allows it: they cover at
  least three observations, or the reader may read every observation they cover. Otherwise the
  report says "too few to show" and carries no number computed from the observations.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import AGGREGATE_MIN_OBSERVATIONS, AccessContext, can_read_observation, can_see_aggregates
from api.observations.service import weighted_total
from api.reports.agreement import describe, krippendorff_alpha_interval
from api.reports.schemas import Agreement, DimensionReport, ObserverRow, ReportOut
from models import Lesson, Observation, ObservationState, Rubric, RubricDimension

REPORTED = (ObservationState.submitted, ObservationState.signed_off)


@dataclass(frozen=True)
class DimensionStats:
    dimension: RubricDimension
    n: int
    mean: float | None
    std: float | None
    min: float | None
    max: float | None


@dataclass(frozen=True)
class Aggregates:
    """Numbers computed across every covered observation (never built for a reader who may not see them)."""

    dimensions: list[DimensionStats]
    total_mean: float | None
    total_std: float | None
    agreement: Agreement | None


@dataclass
class LessonReport:
    lesson: Lesson
    rubric: Rubric | None
    covered: int  # observations the aggregates are over (shown to every reader of the report)
    observations: list[Observation]  # the rows this reader may read, oldest first
    aggregates: Aggregates | None  # None: no observation yet, or too few for this reader
    min_observations: int = AGGREGATE_MIN_OBSERVATIONS

    @property
    def aggregates_withheld(self) -> bool:
        return self.covered > 0 and self.aggregates is None

    def dimension_names(self) -> dict[str, str]:
        """Dimension code → Chinese name (for note tags)."""
        return {d.code: d.name_zh for d in self.rubric.dimensions} if self.rubric else {}

    def scores_by_code(self, obs: Observation) -> dict[str, float]:
        codes = {d.id: d.code for d in self.rubric.dimensions} if self.rubric else {}
        return {codes[s.dimension_id]: s.score for s in obs.scores if s.dimension_id in codes}


def _mean_std(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return round(statistics.fmean(values), 3), round(std, 3)


def _aggregate(rubric: Rubric, observations: list[Observation]) -> Aggregates:
    by_dim: dict[int, list[float]] = {d.id: [] for d in rubric.dimensions}
    for obs in observations:
        for s in obs.scores:
            by_dim.setdefault(s.dimension_id, []).append(s.score)
    dims = []
    for d in rubric.dimensions:
        values = by_dim[d.id]
        mean, std = _mean_std(values)
        dims.append(DimensionStats(d, len(values), mean, std, min(values, default=None), max(values, default=None)))
    total_mean, total_std = _mean_std([t for t in (weighted_total(o) for o in observations) if t is not None])
    agreement = None
    if len(observations) >= 2:
        alpha = krippendorff_alpha_interval([[v / d.max_score for v in by_dim[d.id]] for d in rubric.dimensions])
        agreement = Agreement(value=None if alpha is None else round(alpha, 3), reading=describe(alpha),
                              raters=len(observations), units=len(rubric.dimensions))
    return Aggregates(dims, total_mean, total_std, agreement)


def covered_observations(session: Session, lesson: Lesson) -> tuple[Rubric | None, list[Observation]]:
    """The observations a lesson's report is about: submitted ones of its most used rubric."""
    done = list(session.scalars(select(Observation).where(
        Observation.lesson_id == lesson.id, Observation.state.in_(REPORTED)).order_by(Observation.id)))
    if not done:
        return None, []
    rubric_id = Counter(o.rubric_id for o in done).most_common(1)[0][0]
    rubric = session.get(Rubric, rubric_id)
    return rubric, [o for o in done if o.rubric_id == rubric_id]


def collect(session: Session, ctx: AccessContext, lesson: Lesson) -> LessonReport:
    """What ``ctx``'s user may see of the lesson's report (the caller has checked they may see the lesson)."""
    rubric, covered = covered_observations(session, lesson)
    readable = [o for o in covered if can_read_observation(ctx, o)]
    aggregates = _aggregate(rubric, covered) if rubric is not None and covered and can_see_aggregates(
        ctx, covered) else None
    return LessonReport(lesson, rubric, len(covered), readable, aggregates)


def to_out(report: LessonReport) -> ReportOut:
    rubric, agg = report.rubric, report.aggregates
    stats = {s.dimension.id: s for s in agg.dimensions} if agg else {}
    dims = []
    for d in rubric.dimensions if rubric else []:
        s = stats.get(d.id)
        dims.append(DimensionReport(
            code=d.code, name_zh=d.name_zh, name_en=d.name_en, weight=d.weight, max_score=d.max_score,
            n=s.n if s else 0, mean=s.mean if s else None, std=s.std if s else None,
            min=s.min if s else None, max=s.max if s else None))
    rows = [ObserverRow(observation_id=o.id, observer_name=o.observer.display_name, drop_in=o.drop_in,
                        state=o.state, total=weighted_total(o) or 0.0, scores=report.scores_by_code(o))
            for o in report.observations]
    return ReportOut(
        lesson_id=report.lesson.id, rubric_id=rubric.id if rubric else None, observers=report.covered,
        aggregates_shown=agg is not None, aggregates_min_observations=report.min_observations,
        dimensions=dims, weighted_total_mean=agg.total_mean if agg else None,
        weighted_total_std=agg.total_std if agg else None, agreement=agg.agreement if agg else None, rows=rows)
