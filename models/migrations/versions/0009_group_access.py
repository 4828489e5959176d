"""同课异构 groups get their own visibility: the lesson each was created around, and its zone

Revision ID: 0009_group_access
Revises: 0008_district_admin
Create Date: 2026-12-01

``lesson_groups.origin_lesson_id`` (the lesson a group was created around; SET NULL when that lesson goes)
and ``lesson_groups.zone_id`` (whose researchers may manage the group). Existing groups are filled in
from what they hold: the origin is the creator's own lowest-numbered lesson in the group, else the group's
lowest-numbered lesson; the zone is the origin lesson's school's zone, else the creator's school's zone.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_group_access'
down_revision: str | None = '0008_district_admin'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

ORIGIN = """
UPDATE lesson_groups SET origin_lesson_id = COALESCE(
  (SELECT MIN(l.id) FROM lessons l WHERE l.group_id = lesson_groups.id AND l.teacher_id = lesson_groups.created_by_id),
  (SELECT MIN(l.id) FROM lessons l WHERE l.group_id = lesson_groups.id))
"""
ZONE = """
UPDATE lesson_groups SET zone_id = COALESCE(
  (SELECT s.zone_id FROM lessons l JOIN schools s ON s.id = l.school_id WHERE l.id = lesson_groups.origin_lesson_id),
  (SELECT s.zone_id FROM users u JOIN schools s ON s.id = u.school_id WHERE u.id = lesson_groups.created_by_id))
"""


def upgrade() -> None:
    with op.batch_alter_table('lesson_groups') as batch:
        batch.add_column(sa.Column('origin_lesson_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('zone_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_lesson_groups_origin_lesson_id_lessons'), 'lessons',
                                 ['origin_lesson_id'], ['id'], ondelete='SET NULL')
        batch.create_foreign_key(batch.f('fk_lesson_groups_zone_id_zones'), 'zones', ['zone_id'], ['id'])
        batch.create_index(batch.f('ix_lesson_groups_zone_id'), ['zone_id'], unique=False)
    op.execute(ORIGIN)
    op.execute(ZONE)


def downgrade() -> None:
    with op.batch_alter_table('lesson_groups') as batch:
        batch.drop_index(batch.f('ix_lesson_groups_zone_id'))
        batch.drop_constraint(batch.f('fk_lesson_groups_zone_id_zones'), type_='foreignkey')
        batch.drop_constraint(batch.f('fk_lesson_groups_origin_lesson_id_lessons'), type_='foreignkey')
        batch.drop_column('zone_id')
        batch.drop_column('origin_lesson_id')
