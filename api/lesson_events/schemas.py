"""同课异构 events as the API shows and accepts them."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from api.types import DbId

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EventIn(BaseModel):
    model_config = Strict
    topic: str = Field(min_length=1, max_length=200)
    subject: str = Field(min_length=1, max_length=50)
    grade: str = Field(min_length=1, max_length=20)
    held_on: date
    host_school_id: DbId | None = None
    description: str = Field(default="", max_length=5000)
    lesson_ids: list[DbId] = Field(min_length=2, max_length=10, description="One lesson per school")


class LessonScore(BaseModel):
    lesson_id: int
    title: str
    teacher_id: int
    teacher_name: str
    school_id: int
    school_name: str
    observations: int
    mean_total: float | None
    dimension_means: dict[str, float]


class EventOut(BaseModel):
    group_id: int
    topic: str
    subject: str
    grade: str
    held_on: date
    host_school_id: int | None
    description: str
    lessons: list[LessonScore]
    compare_url: str
