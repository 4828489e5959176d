"""Library search results: lessons with the passages that matched."""

from __future__ import annotations

from pydantic import BaseModel, Field

from models import LessonKind, LessonStatus


class SearchHit(BaseModel):
    source: str = Field(description="transcript (said, 讲), board (written on the board or a slide, 板书/课件), "
                                    "note (noted, 记录), or title, topic, teacher, school, subject, grade, kind, tag")
    t_start: float | None = Field(description="Seconds on the lesson clock (null for metadata hits); for board text, "
                                              "when it first appeared")
    t_end: float | None
    snippet: str = Field(description="HTML-escaped text with <mark> around the query words")


class SearchResult(BaseModel):
    id: int
    title: str
    teacher: str
    school: str
    subject: str
    grade: str
    kind: LessonKind
    status: LessonStatus
    score: float
    hits: list[SearchHit]


class SearchPage(BaseModel):
    query: list[str] = Field(description="The words searched for (all must occur)")
    items: list[SearchResult]
    total: int
    limit: int
    offset: int
