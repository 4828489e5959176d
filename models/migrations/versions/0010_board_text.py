"""board and slide text: the lines OCR read off a lesson's key frames

Revision ID: 0010_board_text
Revises: 0009_group_access
Create Date: 2026-12-01

One table, ``board_text_lines`` (models/board_text.py). Its text is indexed with the lesson's other
passages (source ``board`` in ``search_docs``, the body of ``search_lessons``), which need no change.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_board_text'
down_revision: str | None = '0009_group_access'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'board_text_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lesson_id', sa.Integer(), nullable=False),
        sa.Column('idx', sa.Integer(), nullable=False),
        sa.Column('start', sa.Double(), nullable=False),
        sa.Column('end', sa.Double(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('score', sa.Double(), nullable=False),
        sa.Column('box', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_board_text_lines_lesson_id_lessons'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_board_text_lines')),
        sa.UniqueConstraint('lesson_id', 'idx', name=op.f('uq_board_text_lines_lesson_id')),
    )
    op.create_index(op.f('ix_board_text_lines_lesson_id'), 'board_text_lines', ['lesson_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_board_text_lines_lesson_id'), table_name='board_text_lines')
    op.drop_table('board_text_lines')
