"""Qualifications and re-checks as the API shows and accepts them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.types import DbId
from models import QualificationLevel, QualificationStatus

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AssessIn(BaseModel):
    model_config = Strict
    teacher_id: DbId
    observation_id: DbId = Field(description="Your submitted observation of a lesson this person taught")
    passed: bool
    notes: str = Field(default="", max_length=5000)


class RecheckDrawIn(BaseModel):
    model_config = Strict
    school_id: DbId | None = None
    count: int = Field(default=1, ge=1, le=50)


class CheckResultIn(BaseModel):
    model_config = Strict
    observation_id: DbId
    passed: bool
    notes: str = Field(default="", max_length=5000)


class CheckOut(BaseModel):
    id: int
    qualification_id: int
    teacher_id: int
    teacher_name: str
    drawn_by_id: int
    drawn_at: datetime
    seed: str
    observation_id: int | None
    checked_by_id: int | None
    passed: bool | None
    checked_at: datetime | None
    notes: str


class QualificationOut(BaseModel):
    id: int
    teacher_id: int
    teacher_name: str
    school_id: int
    level: QualificationLevel
    status: QualificationStatus
    observation_id: int
    lesson_id: int
    observation_total: float | None
    assessed_by_id: int
    assessed_by_name: str
    semester: str
    notes: str
    assessed_at: datetime
    revoked_at: datetime | None
    checks: list[CheckOut]


class PassRateOut(BaseModel):
    school_id: int
    school_name: str
    staff: int
    qualified: int
    rate: float
