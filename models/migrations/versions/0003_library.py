"""library search index

Revision ID: 0003_library
Revises: 0001_foundation
Create Date: 2026-11-23 19:40:00

Portable tables search_lessons / search_docs, plus per backend:
- SQLite: FTS5 table search_fts over character-bigram tokens (rowid = lesson id, prefix index of
  length 1 so that a one-character query is a cheap prefix query);
- PostgreSQL: pg_trgm GIN indexes on the raw text (queries of 3+ characters) and a GIN index on the
  bigram tsvector (queries of 1-2 characters, which trigrams cannot serve).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003_library'
down_revision: str | None = '0001_foundation'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table('search_lessons',
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('meta', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tokens', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.Column('indexed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_search_lessons_lesson_id_lessons'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('lesson_id', name=op.f('pk_search_lessons'))
    )
    op.create_table('search_docs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=True),
    sa.Column('t_start', sa.Double(), nullable=True),
    sa.Column('t_end', sa.Double(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_search_docs_lesson_id_lessons'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_docs'))
    )
    op.create_index(op.f('ix_search_docs_lesson_id'), 'search_docs', ['lesson_id'], unique=False)
    if dialect == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(meta, body, tokenize='unicode61', prefix='1')")
    elif dialect == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX gin_search_lessons_meta_trgm ON search_lessons USING gin (meta gin_trgm_ops)')
        op.execute('CREATE INDEX gin_search_lessons_body_trgm ON search_lessons USING gin (body gin_trgm_ops)')
        op.execute('CREATE INDEX gin_search_lessons_tokens ON search_lessons USING gin (tokens)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('DROP TABLE IF EXISTS search_fts')
    op.drop_index(op.f('ix_search_docs_lesson_id'), table_name='search_docs')
    op.drop_table('search_docs')
    op.drop_table('search_lessons')
