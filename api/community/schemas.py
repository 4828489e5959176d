"""Schools, communities and people as the API shows them."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from api.types import DbId
from models import Locale, SchoolRole, UserRole

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ZoneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    code: str


class SchoolOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    zone_id: int | None
    role: SchoolRole
    locale: Locale


class SchoolIn(BaseModel):
    model_config = Strict
    name: str = Field(min_length=1, max_length=200)
    zone_id: DbId | None = None
    role: SchoolRole = SchoolRole.supported
    locale: Locale = Locale.urban


class CommunityOut(BaseModel):
    id: int
    name: str
    zone_id: int | None
    lead_school_id: DbId
    member_school_ids: list[int]


class CommunityIn(BaseModel):
    model_config = Strict
    name: str = Field(min_length=1, max_length=200)
    zone_id: DbId | None = None
    lead_school_id: DbId
    member_school_ids: list[DbId] = Field(default_factory=list, max_length=100)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str
    role: UserRole
    school_id: int | None
    subject: str | None
    is_active: bool


class UserIn(BaseModel):
    model_config = Strict
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=8, max_length=256)
    role: UserRole = UserRole.teacher
    school_id: DbId | None = None
    subject: str | None = Field(default=None, max_length=50)
    birth_date: date | None = None


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    researcher_id: DbId
    school_id: int | None
    zone_id: int | None
    semester: str


class AssignmentIn(BaseModel):
    model_config = Strict
    researcher_id: DbId
    school_id: DbId | None = None
    zone_id: DbId | None = None
    semester: str = Field(pattern=r"^\d{4}-\d{4}-[12]$")
