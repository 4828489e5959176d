"""The board and slide text of a lesson, as the player and the report show it."""

from __future__ import annotations

from pydantic import BaseModel, Field


class BoardLineOut(BaseModel):
    id: int
    idx: int
    start: float = Field(description="Seconds on the lesson clock when the line first appeared")
    end: float = Field(description="Seconds when it was no longer shown (the lesson's end if it stayed)")
    text: str


class BoardTextOut(BaseModel):
    lesson_id: int
    status: str = Field(description="The lesson's status: an empty list of a lesson still processing fills later")
    lines: list[BoardLineOut]
