"""Lessons and 同课异构 groups as the API shows and accepts them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.types import DbId, LocalDateTime
from models import LessonKind, LessonStatus, RoomMode, Visibility

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ClassroomIn(BaseModel):
    model_config = Strict
    school_id: DbId
    teacher_id: DbId | None = None
    label: str = Field(default="", max_length=100)


class ClassroomOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    school_id: DbId
    teacher_id: int | None
    label: str
    position: int


class LessonIn(BaseModel):
    model_config = Strict
    title: str = Field(min_length=1, max_length=200)
    topic: str = Field(default="", max_length=200)
    subject: str = Field(min_length=1, max_length=50)
    grade: str = Field(min_length=1, max_length=20)
    kind: LessonKind = LessonKind.ordinary
    scheduled_at: LocalDateTime | None = None
    duration_minutes: int = Field(default=45, ge=1, le=600)
    visibility: Visibility = Visibility.community
    room_mode: RoomMode = RoomMode.broadcast
    group_id: DbId | None = None
    teacher_id: DbId | None = Field(default=None, description="Admins and school admins may schedule for a teacher")
    classrooms: list[ClassroomIn] = Field(default_factory=list, max_length=4,
                                          description="Dual lessons: master classroom first, then 1-3 remote ones")


class LessonPatch(BaseModel):
    model_config = Strict
    title: str | None = Field(default=None, min_length=1, max_length=200)
    topic: str | None = Field(default=None, max_length=200)
    subject: str | None = Field(default=None, min_length=1, max_length=50)
    grade: str | None = Field(default=None, min_length=1, max_length=20)
    kind: LessonKind | None = None
    scheduled_at: LocalDateTime | None = None
    duration_minutes: int | None = Field(default=None, ge=1, le=600)
    visibility: Visibility | None = None
    group_id: DbId | None = None


class LessonOut(BaseModel):
    id: int
    title: str
    topic: str
    subject: str
    grade: str
    teacher_id: int
    teacher_name: str
    school_id: DbId
    school_name: str
    kind: LessonKind
    scheduled_at: datetime | None
    duration_minutes: int
    status: LessonStatus
    visibility: Visibility
    room_mode: RoomMode
    group_id: int | None
    failure_reason: str | None
    classrooms: list[ClassroomOut]


class GroupIn(BaseModel):
    model_config = Strict
    topic: str = Field(min_length=1, max_length=200)
    subject: str = Field(min_length=1, max_length=50)
    grade: str = Field(min_length=1, max_length=20)
    lesson_ids: list[DbId] = Field(default_factory=list, max_length=20)


class GroupOut(BaseModel):
    id: int
    topic: str
    subject: str
    grade: str
    lessons: list[LessonOut]
