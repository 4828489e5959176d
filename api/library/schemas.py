"""Library search results: lessons with the passages that matched."""

from __future__ import annotations

from datetime import datetime

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
    hits: list[SearchHit] = Field(description="Up to 2 metadata hits, then every moment the words were said, by time")
    moments: int = Field(0, description="How many timed hits (transcript lines, notes) the lesson has in all")
    thumbnail: str | None = Field(None, description="Signed URL of a small picture from the storyboard")
    scheduled_at: datetime | None = None
    duration_seconds: float | None = None


class SearchPage(BaseModel):
    query: list[str] = Field(description="The words searched for (all must occur); empty when browsing")
    items: list[SearchResult]
    total: int
    limit: int
    offset: int
