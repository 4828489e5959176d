"""Schools, communities and people as the API shows them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.types import DbId
from models import Locale, SchoolRole
from tingke.semesters import SCHOOL_YEAR_PATTERN, SEMESTER_PATTERN

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)


SCHOOL_YEAR = SCHOOL_YEAR_PATTERN


class ZoneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    code: str


class ZoneIn(BaseModel):
    model_config = Strict
    name: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")


class ZonePatch(BaseModel):
    model_config = Strict
    name: str | None = Field(default=None, min_length=1, max_length=200)
    code: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")


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


class SchoolPatch(BaseModel):
    model_config = Strict
    name: str | None = Field(default=None, min_length=1, max_length=200)
    zone_id: DbId | None = None
    role: SchoolRole | None = None
    locale: Locale | None = None


class CommunityOut(BaseModel):
    id: int
    name: str
    zone_id: int | None
    lead_school_id: DbId
    member_school_ids: list[int]
    school_year: str | None = None


class CommunityIn(BaseModel):
    model_config = Strict
    name: str = Field(min_length=1, max_length=200)
    zone_id: DbId | None = None
    lead_school_id: DbId
    member_school_ids: list[DbId] = Field(default_factory=list, max_length=100)
    school_year: str | None = Field(default=None, pattern=SCHOOL_YEAR, description="学年 such as 2026-2027")


class CommunityPatch(BaseModel):
    """The 1+X pairing: rename, change the lead school, add or remove member schools, or set them all."""
    model_config = Strict
    name: str | None = Field(default=None, min_length=1, max_length=200)
    zone_id: DbId | None = None
    lead_school_id: DbId | None = None
    school_year: str | None = Field(default=None, pattern=SCHOOL_YEAR)
    member_school_ids: list[DbId] | None = Field(default=None, max_length=100, description="the whole new list")
    add_school_ids: list[DbId] = Field(default_factory=list, max_length=100)
    remove_school_ids: list[DbId] = Field(default_factory=list, max_length=100)


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    researcher_id: DbId
    school_id: int | None
    zone_id: int | None
    semester: str
    subject: str | None = None


class AssignmentIn(BaseModel):
    model_config = Strict
    researcher_id: DbId
    school_id: DbId | None = None
    zone_id: DbId | None = None
    semester: str = Field(pattern=SEMESTER_PATTERN)
    subject: str | None = Field(default=None, max_length=50,
                                description="Empty: the researcher's own subject (a zone: every subject)")


class AssignmentPatch(BaseModel):
    model_config = Strict
    subject: str | None = Field(default=None, max_length=50)
    semester: str | None = Field(default=None, pattern=SEMESTER_PATTERN)
