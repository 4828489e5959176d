"""live polls and questionnaires, discussion threads, in-app notifications

Revision ID: 0005_polls_discussions
Revises: 0001_foundation
Create Date: 2026-11-23 19:24:02.681616
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_polls_discussions"
down_revision: str | None = "0001_foundation"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_notifications_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_notifications_user_unread", ["user_id", "read_at"], unique=False)

    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("audience_school_ids", sa.JSON(), nullable=False),
        sa.Column(
            "state", sa.Enum("draft", "open", "closed", name="pollstate", native_enum=False, length=32), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["lesson_groups.id"], name=op.f("fk_polls_group_id_lesson_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["host_id"], ["users.id"], name=op.f("fk_polls_host_id_users")),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_polls_lesson_id_lessons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
        sa.UniqueConstraint("code", name=op.f("uq_polls_code")),
    )
    with op.batch_alter_table("polls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_polls_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_polls_host_id"), ["host_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_polls_lesson_id"), ["lesson_id"], unique=False)

    op.create_table(
        "poll_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("single", "multiple", "rating", "text", name="pollkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("prompt", sa.String(length=500), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_poll_questions_poll_id_polls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_questions")),
    )
    with op.batch_alter_table("poll_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_questions_poll_id"), ["poll_id"], unique=False)

    op.create_table(
        "poll_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_poll_answers_poll_id_polls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["poll_questions.id"],
            name=op.f("fk_poll_answers_question_id_poll_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_poll_answers_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_answers")),
        sa.UniqueConstraint("question_id", "user_id", name=op.f("uq_poll_answers_question_id")),
    )
    with op.batch_alter_table("poll_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_answers_poll_id"), ["poll_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_poll_answers_user_id"), ["user_id"], unique=False)

    op.create_table(
        "discussion_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column("note_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("last_post_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN lesson_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN note_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_discussion_threads_one_target"),
        ),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_discussion_threads_author_id_users")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["lesson_groups.id"],
            name=op.f("fk_discussion_threads_group_id_lesson_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_discussion_threads_lesson_id_lessons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_discussion_threads_note_id_notes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_threads")),
    )
    with op.batch_alter_table("discussion_threads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussion_threads_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_discussion_threads_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_discussion_threads_last_post_at"), ["last_post_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_discussion_threads_lesson_id"), ["lesson_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_discussion_threads_note_id"), ["note_id"], unique=False)

    op.create_table(
        "discussion_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("reply_to_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("mentioned_user_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_discussion_posts_author_id_users")),
        sa.ForeignKeyConstraint(["deleted_by_id"], ["users.id"], name=op.f("fk_discussion_posts_deleted_by_id_users")),
        sa.ForeignKeyConstraint(
            ["reply_to_id"],
            ["discussion_posts.id"],
            name=op.f("fk_discussion_posts_reply_to_id_discussion_posts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["discussion_threads.id"],
            name=op.f("fk_discussion_posts_thread_id_discussion_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_posts")),
    )
    with op.batch_alter_table("discussion_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussion_posts_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_discussion_posts_thread_id"), ["thread_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("discussion_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_posts_thread_id"))
        batch_op.drop_index(batch_op.f("ix_discussion_posts_author_id"))

    op.drop_table("discussion_posts")
    with op.batch_alter_table("discussion_threads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_threads_note_id"))
        batch_op.drop_index(batch_op.f("ix_discussion_threads_lesson_id"))
        batch_op.drop_index(batch_op.f("ix_discussion_threads_last_post_at"))
        batch_op.drop_index(batch_op.f("ix_discussion_threads_group_id"))
        batch_op.drop_index(batch_op.f("ix_discussion_threads_author_id"))

    op.drop_table("discussion_threads")
    with op.batch_alter_table("poll_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_answers_user_id"))
        batch_op.drop_index(batch_op.f("ix_poll_answers_poll_id"))

    op.drop_table("poll_answers")
    with op.batch_alter_table("poll_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_questions_poll_id"))

    op.drop_table("poll_questions")
    with op.batch_alter_table("polls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_polls_lesson_id"))
        batch_op.drop_index(batch_op.f("ix_polls_host_id"))
        batch_op.drop_index(batch_op.f("ix_polls_group_id"))

    op.drop_table("polls")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_unread")
        batch_op.drop_index(batch_op.f("ix_notifications_created_at"))

    op.drop_table("notifications")
