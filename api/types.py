"""Bounded input types shared by every schema and route, so that absurd numbers are a 422, not a
database overflow."""

from typing import Annotated

from fastapi import Path
from pydantic import Field

MAX_ID = 2**31 - 1

DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
