"""Activities as the API shows and accepts them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from api.types import DbId
from models import ActivityKind

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LinkIn(BaseModel):
    model_config = Strict
    name: str = Field(min_length=1, max_length=200)
    url: HttpUrl


class ActivityIn(BaseModel):
    model_config = Strict
    kind: ActivityKind
    title: str = Field(min_length=1, max_length=200)
    held_on: date
    school_id: DbId | None = Field(default=None, description="Where it took place (required for a visit)")
    zone_id: DbId | None = Field(default=None, description="Zone-wide activities and seminars")
    subject: str = Field(default="", max_length=50)
    minutes: str = Field(default="", max_length=20_000, description="纪要")
    attendee_ids: list[DbId] = Field(default_factory=list, max_length=500)
    links: list[LinkIn] = Field(default_factory=list, max_length=20)


class ActivityPatch(BaseModel):
    model_config = Strict
    title: str | None = Field(default=None, min_length=1, max_length=200)
    minutes: str | None = Field(default=None, max_length=20_000)
    attendee_ids: list[DbId] | None = Field(default=None, max_length=500)


class MaterialOut(BaseModel):
    id: int
    name: str
    url: str
    is_file: bool
    size_bytes: int | None
    content_type: str
    created_at: datetime


class PersonRef(BaseModel):
    id: int
    name: str


class ActivityOut(BaseModel):
    id: int
    kind: ActivityKind
    title: str
    held_on: date
    school_id: int | None
    school_name: str
    zone_id: int | None
    subject: str
    organizer: PersonRef
    attendees: list[PersonRef]
    minutes: str
    materials: list[MaterialOut]
    can_edit: bool
