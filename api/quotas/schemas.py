"""Quota rules and progress as the API shows and accepts them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from api.types import DbId
from models import StaffPosition
from tingke.semesters import SEMESTER_PATTERN

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    zone_id: int | None
    semester: str | None
    audience: str
    metric: str
    target: float
    maximum: float | None
    source: str
    updated_at: datetime


class RuleIn(BaseModel):
    model_config = Strict
    zone_id: DbId | None = Field(default=None, description="None: every zone of the district")
    semester: str | None = Field(default=None, pattern=SEMESTER_PATTERN, description="None: every semester")
    audience: str = Field(min_length=1, max_length=32)
    metric: str = Field(min_length=1, max_length=32)
    target: float = Field(ge=0, le=10_000)
    maximum: float | None = Field(default=None, ge=0, le=10_000)
    source: str = Field(default="", max_length=200)


class RulePatch(BaseModel):
    model_config = Strict
    target: float | None = Field(default=None, ge=0, le=10_000)
    maximum: float | None = Field(default=None, ge=0, le=10_000)
    source: str | None = Field(default=None, max_length=200)


class MetricOut(BaseModel):
    metric: str
    done: float
    target: float
    maximum: float | None
    met: bool
    rule_id: int
    detail: dict[str, float]


class PersonOut(BaseModel):
    user_id: int
    name: str
    role: str
    position: str
    audience: str
    school_id: int | None
    school_name: str
    met: bool
    metrics: list[MetricOut]


class GroupOut(BaseModel):
    subject: str
    met: bool
    metrics: list[MetricOut]


class SchoolOut(BaseModel):
    school_id: int
    name: str
    people_met: int
    people_total: int
    people: list[PersonOut]
    subject_groups: list[GroupOut]


class QuotasOut(BaseModel):
    semester: str
    start: date
    end: date
    people: list[PersonOut] = Field(description="People not listed under a school: you, and researchers")
    schools: list[SchoolOut]


class PositionIn(BaseModel):
    model_config = Strict
    position: StaffPosition


class PositionOut(BaseModel):
    user_id: int
    position: StaffPosition
