"""Observations (听课记录) and their notes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictFloat

from api.types import DbId
from models import ObservationState

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ObservationIn(BaseModel):
    model_config = Strict
    drop_in: bool = False
    rubric_id: DbId | None = Field(default=None, description="Defaults to the default rubric")


class ObservationPatch(BaseModel):
    model_config = Strict
    # Scores are JSON numbers: "7" (text) is refused, not quietly converted (the web pages send numbers).
    scores: dict[str, StrictFloat] | None = Field(default=None, description="Dimension code → score (a number)")
    comments: str | None = Field(default=None, max_length=20000)
    summary: str | None = Field(default=None, max_length=20000)


class NoteIn(BaseModel):
    model_config = Strict
    t: float = Field(ge=0, description="Seconds on the lesson clock")
    text: str = Field(min_length=1, max_length=5000)


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    t: float
    text: str
    tags: list[str]
    segment_id: int | None
    created_at: datetime


class ObservationOut(BaseModel):
    id: int
    lesson_id: int
    observer_id: int
    observer_name: str
    rubric_id: int
    drop_in: bool
    state: ObservationState
    scores: dict[str, float]
    total: float | None
    comments: str
    summary: str
    submitted_at: datetime | None
    signed_off_at: datetime | None
    notes: list[NoteOut]
