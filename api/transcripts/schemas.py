"""Request and response bodies of transcript corrections."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Speaker = Literal["teacher", "student", "mixed"]  # 教师 / 学生 / 多人
MAX_LINE_CHARS = 2000


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_LINE_CHARS, description="The line as it was said")
    speaker: Speaker | None = Field(default=None, description="Who said it; left out: unchanged")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("the line cannot be empty: write what was said")
        return value


class RevisionOut(BaseModel):
    version: int
    text: str
    speaker: str | None
    author_id: int | None
    author_name: str | None  # None: the machine transcription
    created_at: datetime


class LineOut(BaseModel):
    id: int
    idx: int
    start: float
    end: float
    text: str
    speaker: str | None
    revisions: list[RevisionOut]
    job_id: int | None = None  # the job that remakes the subtitles and the analytics
