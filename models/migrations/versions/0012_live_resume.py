"""a lesson ended by mistake can be resumed for a while

Revision ID: 0012_live_resume
Revises: 0011_notify
Create Date: 2026-12-02

``lessons.live_ended_at`` is when the relay registered the lesson's last live part (the resume window,
``live_resume_minutes``, counts from it). ``lessons.live_resumed_at`` is set when the teacher resumes and
cleared when a publisher arrives; a resume nobody used is released back to processing by the sweeper.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_live_resume'
down_revision: str | None = '0011_notify'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('live_ended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('live_resumed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_column('live_resumed_at')
        batch_op.drop_column('live_ended_at')
