"""Rubrics as the API shows and accepts them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class DimensionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name_zh: str
    name_en: str
    weight: float
    max_score: float
    descriptors: list[dict[str, Any]]


class RubricOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name_zh: str
    name_en: str
    is_default: bool
    dimensions: list[DimensionOut]


class Descriptor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: str = Field(min_length=1, max_length=8)
    min: float = Field(ge=0, le=1000)
    zh: str = Field(max_length=500)
    en: str = Field(default="", max_length=500)


class DimensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)
    weight: float = Field(gt=0, le=100)
    max_score: float = Field(default=10, gt=0, le=1000)
    descriptors: list[Descriptor] = Field(default_factory=list, max_length=10)


class RubricIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    dimensions: list[DimensionIn] = Field(min_length=1, max_length=30)

    @field_validator("dimensions")
    @classmethod
    def _weights_and_codes(cls, dims: list[DimensionIn]) -> list[DimensionIn]:
        if len({d.code for d in dims}) != len(dims):
            raise ValueError("dimension codes must be unique")
        if abs(sum(d.weight for d in dims) - 100) > 1e-6:
            raise ValueError("dimension weights must sum to 100")
        return dims


class RubricPatch(BaseModel):
    """Rename, replace the dimensions (weights summing to 100; refused once observations used them), or make it
    the rubric new observations use."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    dimensions: list[DimensionIn] | None = Field(default=None, min_length=1, max_length=30)
    is_default: bool | None = None

    @field_validator("dimensions")
    @classmethod
    def _weights_and_codes(cls, dims: list[DimensionIn] | None) -> list[DimensionIn] | None:
        return None if dims is None else RubricIn._weights_and_codes(dims)
