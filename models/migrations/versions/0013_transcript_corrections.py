"""transcript corrections: every version of a corrected line, with who and when

Revision ID: 0013_transcript_corrections
Revises: 0012_live_resume
Create Date: 2026-12-02

``transcript_revisions`` keeps each version of a transcript line a person corrected: version 1 is the
machine's (no author), each correction the next one. ``segment_id`` is set to NULL when the pipeline
replaces the transcript, so the history outlives a reprocess; ``start``/``end`` say where the line was.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013_transcript_corrections'
down_revision: str | None = '0012_live_resume'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'transcript_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lesson_id', sa.Integer(), nullable=False),
        sa.Column('segment_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('start', sa.Double(), nullable=False),
        sa.Column('end', sa.Double(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('speaker', sa.String(length=20), nullable=True),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'],
                                name=op.f('fk_transcript_revisions_lesson_id_lessons'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['segment_id'], ['transcript_segments.id'],
                                name=op.f('fk_transcript_revisions_segment_id_transcript_segments'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f('fk_transcript_revisions_author_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript_revisions')),
        sa.UniqueConstraint('segment_id', 'version', name=op.f('uq_transcript_revisions_segment_id')),
    )
    op.create_index(op.f('ix_transcript_revisions_lesson_id'), 'transcript_revisions', ['lesson_id'])
    op.create_index(op.f('ix_transcript_revisions_segment_id'), 'transcript_revisions', ['segment_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_transcript_revisions_segment_id'), table_name='transcript_revisions')
    op.drop_index(op.f('ix_transcript_revisions_lesson_id'), table_name='transcript_revisions')
    op.drop_table('transcript_revisions')
