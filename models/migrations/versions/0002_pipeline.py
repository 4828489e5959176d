"""pipeline: stored lesson analytics, per-stage job report

Revision ID: 0002_pipeline
Revises: 0001_foundation
Create Date: 2026-11-23 19:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002_pipeline'
down_revision: str | None = '0001_foundation'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.add_column(sa.Column('report', sa.JSON(), nullable=False, server_default='{}'))
    op.create_table('lesson_analytics',
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_lesson_analytics_job_id_jobs'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_lesson_analytics_lesson_id_lessons'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('lesson_id', name=op.f('pk_lesson_analytics'))
    )


def downgrade() -> None:
    op.drop_table('lesson_analytics')
    with op.batch_alter_table('jobs') as batch:
        batch.drop_column('report')
