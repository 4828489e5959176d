"""Spot-check draws as the API shows and accepts them."""

from __future__ import annotations

from datetime import date, datetime, time

from pydantic import BaseModel, ConfigDict, Field

from api.types import DbId

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DrawIn(BaseModel):
    model_config = Strict
    lesson_date: date | None = Field(default=None, description="Default: tomorrow (the seed's 提前一天)")
    start_time: time = Field(default=time(9, 0), description="When the lesson starts that day")
    school_ids: list[DbId] = Field(default_factory=list, max_length=200,
                                   description="Limit the draw to these schools (default: all you may draw in)")
    zone_id: DbId | None = None
    subject: str | None = Field(default=None, max_length=50)
    grade: str = Field(default="待定", min_length=1, max_length=20)
    on_leave_user_ids: list[DbId] = Field(default_factory=list, max_length=500, description="请假: not drawn")
    exclude_weeks: int | None = Field(default=None, ge=0, le=104,
                                      description="Not drawn again within this many weeks (default: setting)")


class PersonRef(BaseModel):
    id: int
    name: str
    school_id: int | None


class DrawOut(BaseModel):
    id: int
    drawn_by: PersonRef
    drawn_at: datetime
    lesson_date: date
    seed: str
    eligible_ids: list[int]
    excluded: dict[str, str]
    params: dict[str, object]
    chosen: PersonRef
    lesson_id: int | None


class VerifyOut(BaseModel):
    draw_id: int
    reproduced: bool
    recorded_chosen_id: int
    recomputed_chosen_id: int
    method: str
