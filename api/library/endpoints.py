"""The library: full-text search over lessons, their transcripts, notes and tags."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import DB, Access
from api.library import service
from api.library.schemas import SearchPage
from models import LessonKind
from models.search_tokens import MAX_QUERY_CHARS

router = APIRouter(prefix="/api", tags=["library"])


@router.get("/search", response_model=SearchPage)
def search(
    session: DB,
    ctx: Access,
    q: Annotated[str | None, Query(max_length=MAX_QUERY_CHARS,
                                   description="Words to find (space separated words must all occur); "
                                               "without it, the recorded lessons matching the filters")] = None,
    subject: Annotated[str | None, Query(max_length=50)] = None,
    grade: Annotated[str | None, Query(max_length=20)] = None,
    kind: LessonKind | None = None,
    school: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    tag: Annotated[str | None, Query(max_length=32, description="Rubric dimension code of a note tag")] = None,
    date_from: Annotated[date | None, Query(description="First day (district time), YYYY-MM-DD")] = None,
    date_to: Annotated[date | None, Query(description="Last day (district time), YYYY-MM-DD")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> SearchPage:
    filters = service.SearchFilters(subject=subject, grade=grade, kind=kind, school=school, tag=tag,
                                    date_from=date_from, date_to=date_to)
    return service.search(session, ctx, q, filters, limit, offset)
