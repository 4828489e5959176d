"""The lesson report as the API shows it (GET /api/lessons/{id}/report)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from models import ObservationState


class DimensionReport(BaseModel):
    code: str
    name_zh: str
    name_en: str
    weight: float
    max_score: float
    n: int = Field(description="Observations that scored this dimension (0 when the aggregates are withheld)")
    mean: float | None
    std: float | None
    min: float | None
    max: float | None


class Agreement(BaseModel):
    method: str = "krippendorff_alpha_interval"
    value: float | None
    reading: str
    raters: int
    units: int


class ObserverRow(BaseModel):
    observation_id: int
    observer_name: str
    drop_in: bool
    state: ObservationState
    total: float
    scores: dict[str, float]


class ReportOut(BaseModel):
    lesson_id: int
    rubric_id: int | None
    observers: int = Field(description="Submitted observations of the report's rubric (the aggregates' base)")
    aggregates_shown: bool = Field(
        description="False when the aggregates would cover too few observations for this reader (see "
                    "aggregates_min_observations): mean, spread, totals and agreement are then null")
    aggregates_min_observations: int
    dimensions: list[DimensionReport]
    weighted_total_mean: float | None
    weighted_total_std: float | None
    agreement: Agreement | None
    rows: list[ObserverRow] = Field(description="Only the observations this reader may read")
