"""The lesson report: scores across observers, their spread and how far the observers agree."""

from __future__ import annotations

import statistics
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.observations.agreement import describe, krippendorff_alpha_interval
from api.observations.schemas import Agreement, DimensionReport, ObserverRow, ReportOut
from api.observations.service import weighted_total
from models import Lesson, Observation, ObservationState, Rubric


def _stats(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return round(mean, 3), round(std, 3)


def build(session: Session, lesson: Lesson) -> ReportOut:
    done = list(session.scalars(select(Observation).where(
        Observation.lesson_id == lesson.id,
        Observation.state.in_([ObservationState.submitted, ObservationState.signed_off]),
    ).order_by(Observation.id)))
    if not done:
        return ReportOut(lesson_id=lesson.id, rubric_id=None, observers=0, dimensions=[],
                         weighted_total_mean=None, weighted_total_std=None, agreement=None, rows=[])
    rubric_id = Counter(o.rubric_id for o in done).most_common(1)[0][0]
    rubric = session.get(Rubric, rubric_id)
    assert rubric is not None
    observations = [o for o in done if o.rubric_id == rubric_id]
    by_dim: dict[int, list[float]] = {d.id: [] for d in rubric.dimensions}
    for obs in observations:
        for s in obs.scores:
            by_dim.setdefault(s.dimension_id, []).append(s.score)
    dims = []
    for d in rubric.dimensions:
        values = by_dim[d.id]
        mean, std = _stats(values)
        dims.append(DimensionReport(
            code=d.code, name_zh=d.name_zh, name_en=d.name_en, weight=d.weight, max_score=d.max_score,
            n=len(values), mean=mean, std=std, min=min(values) if values else None, max=max(values) if values else None,
        ))
    totals = [t for t in (weighted_total(o) for o in observations) if t is not None]
    total_mean, total_std = _stats(totals)
    agreement = None
    if len(observations) >= 2:
        units = [[v / d.max_score for v in by_dim[d.id]] for d in rubric.dimensions]
        alpha = krippendorff_alpha_interval(units)
        agreement = Agreement(value=None if alpha is None else round(alpha, 3), reading=describe(alpha),
                              raters=len(observations), units=len(units))
    codes = {d.id: d.code for d in rubric.dimensions}
    rows = [ObserverRow(observation_id=o.id, observer_name=o.observer.display_name, drop_in=o.drop_in, state=o.state,
                        total=weighted_total(o) or 0.0,
                        scores={codes[s.dimension_id]: s.score for s in o.scores if s.dimension_id in codes})
            for o in observations]
    return ReportOut(lesson_id=lesson.id, rubric_id=rubric_id, observers=len(observations), dimensions=dims,
                     weighted_total_mean=total_mean, weighted_total_std=total_std, agreement=agreement, rows=rows)
