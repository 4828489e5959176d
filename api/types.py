"""Bounded input types shared by every schema and route, so that absurd numbers are a 422, not a
database overflow."""

from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, Field

from tingke.timezone import from_local

MAX_ID = 2**31 - 1

DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]

# A time a person typed: with an offset it is that instant; without one ("2026-12-01T09:00", what a
# datetime-local input gives) it is the district's wall clock (TINGKE_TIMEZONE), never the browser's
# or the server's. Stored and answered in UTC (tingke.timezone).
LocalDateTime = Annotated[datetime, AfterValidator(from_local), Field(
    description="ISO 8601; without an offset, the district's local time (TINGKE_TIMEZONE). Answers are UTC.")]
