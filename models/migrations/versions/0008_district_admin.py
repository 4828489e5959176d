"""district administration: people's 工号/手机号, pairing by school year, assignment subject, the audit log

Revision ID: 0008_district_admin
Revises: 0007_search_terms
Create Date: 2026-12-01

``users`` gains ``employee_no`` and ``phone`` (unique: bulk import and OpenID sign-in match on them),
``grade`` and ``must_change_password``; ``communities`` gains ``school_year``; ``assignments`` gains
``subject``. ``audit_events`` is append-only: triggers refuse UPDATE and DELETE on both backends.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_district_admin'
down_revision: str | None = '0007_search_terms'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

PG_GUARD = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('employee_no', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('grade', sa.String(length=50), nullable=True))
        batch.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.create_unique_constraint(batch.f('uq_users_employee_no'), ['employee_no'])
        batch.create_unique_constraint(batch.f('uq_users_phone'), ['phone'])
    with op.batch_alter_table('communities') as batch:
        batch.add_column(sa.Column('school_year', sa.String(length=9), nullable=True))
        batch.create_index(batch.f('ix_communities_school_year'), ['school_year'], unique=False)
    with op.batch_alter_table('assignments') as batch:
        batch.add_column(sa.Column('subject', sa.String(length=50), nullable=True))
    op.create_table(
        'audit_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=100), nullable=False),
        sa.Column('action', sa.String(length=64), nullable=False),
        sa.Column('target_type', sa.String(length=32), nullable=True),
        sa.Column('target_id', sa.Integer(), nullable=True),
        sa.Column('lesson_id', sa.Integer(), nullable=True),
        sa.Column('school_id', sa.Integer(), nullable=True),
        sa.Column('summary', sa.String(length=500), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.Column('dedupe_key', sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_audit_events_dedupe_key')),
    )
    op.create_index(op.f('ix_audit_events_at'), 'audit_events', ['at'], unique=False)
    op.create_index(op.f('ix_audit_events_action'), 'audit_events', ['action'], unique=False)
    op.create_index('ix_audit_events_actor_at', 'audit_events', ['actor_id', 'at'], unique=False)
    op.create_index('ix_audit_events_lesson_at', 'audit_events', ['lesson_id', 'at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_GUARD)
        op.execute('CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events '
                   'FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()')
    else:
        for verb in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                       "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events')
        op.execute('DROP FUNCTION IF EXISTS audit_events_append_only()')
    else:
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_update')
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_delete')
    op.drop_index('ix_audit_events_lesson_at', table_name='audit_events')
    op.drop_index('ix_audit_events_actor_at', table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_action'), table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_at'), table_name='audit_events')
    op.drop_table('audit_events')
    with op.batch_alter_table('assignments') as batch:
        batch.drop_column('subject')
    with op.batch_alter_table('communities') as batch:
        batch.drop_index(batch.f('ix_communities_school_year'))
        batch.drop_column('school_year')
    with op.batch_alter_table('users') as batch:
        batch.drop_constraint(batch.f('uq_users_phone'), type_='unique')
        batch.drop_constraint(batch.f('uq_users_employee_no'), type_='unique')
        batch.drop_column('must_change_password')
        batch.drop_column('grade')
        batch.drop_column('phone')
        batch.drop_column('employee_no')
