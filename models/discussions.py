"""网络教研 (seed 003 part 7): real-name discussion threads on a lesson, a note or a 同课异构 group.

Deleting a post only marks it, so replies that quote it still make sense.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped, utcnow
from models.community import User
from models.lessons import Lesson, LessonGroup
from models.observations import Note, Observation

ONE_TARGET = (
    "(CASE WHEN lesson_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN note_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class DiscussionThread(Timestamped, Base):
    __tablename__ = "discussion_threads"
    __table_args__ = (CheckConstraint(ONE_TARGET, name="one_target"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    note_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("lesson_groups.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    locked: Mapped[bool] = mapped_column(default=False)  # moderation: no more replies
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    author: Mapped[User] = relationship()
    lesson: Mapped[Lesson | None] = relationship()
    group: Mapped[LessonGroup | None] = relationship()
    note: Mapped[Note | None] = relationship()
    # The observation a note belongs to decides who may read it (drafts are the observer's own).
    note_observation: Mapped[Observation | None] = relationship(
        secondary="notes", primaryjoin="DiscussionThread.note_id == Note.id",
        secondaryjoin="Note.observation_id == Observation.id", viewonly=True, uselist=False,
    )


class DiscussionPost(Base):
    __tablename__ = "discussion_posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("discussion_threads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("discussion_posts.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    mentioned_user_ids: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    author: Mapped[User] = relationship(foreign_keys=[author_id])
