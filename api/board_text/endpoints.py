"""GET a lesson's board and slide text; the same people may read it as may read its transcript."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from api.board_text.schemas import BoardLineOut, BoardTextOut
from api.deps import DB
from api.lessons.deps import VisibleLesson
from models import BoardTextLine

router = APIRouter(tags=["media"])


@router.get("/api/lessons/{lesson_id}/board-text", response_model=BoardTextOut)
def board_text(lesson: VisibleLesson, session: DB) -> BoardTextOut:
    """Every line read off the board and the slides, in the order they appeared (404 for a lesson the caller
    may not see, as for the transcript)."""
    rows = session.scalars(select(BoardTextLine).where(BoardTextLine.lesson_id == lesson.id)
                           .order_by(BoardTextLine.idx)).all()
    return BoardTextOut(lesson_id=lesson.id, status=lesson.status.value,
                        lines=[BoardLineOut(id=r.id, idx=r.idx, start=r.start, end=r.end, text=r.text) for r in rows])
