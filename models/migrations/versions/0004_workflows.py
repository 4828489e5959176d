"""workflows: quota rules (with the seeds' numbers as defaults), activities and visits, spot-check draws,
同课异构 events, reformed-lesson qualifications, and a person's post (position)

Revision ID: 0004_workflows
Revises: 0001_foundation
Create Date: 2026-11-23 19:45:00
"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0004_workflows'
down_revision: str | None = '0001_foundation'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

SEED_004 = "乐研训〔2020〕124号 研训员蹲点联系学校制度"
SEED_003 = "教研组工作计划：听课与公开课要求"

# (audience, metric, target, maximum, source): the shipped defaults, editable per zone and semester.
DEFAULT_RULES = [
    ("researcher", "visit_days", 20, None, SEED_004),
    ("researcher", "contact_observations", 40, None, SEED_004),
    ("researcher", "activities", 3, None, SEED_004),
    ("researcher", "seminars", 1, 2, SEED_004),
    ("school_leader", "observations", 30, None, SEED_003),
    ("middle_leader", "observations", 30, None, SEED_003),
    ("group_leader", "observations", 25, None, SEED_003),
    ("researcher", "observations", 20, None, SEED_003),
    ("teacher", "observations", 15, None, SEED_003),
    ("school_leader", "drop_in_share", 0.5, None, SEED_003),
    ("middle_leader", "drop_in_share", 0.5, None, SEED_003),
    ("group_leader", "drop_in_share", 0.5, None, SEED_003),
    ("researcher", "drop_in_share", 0.5, None, SEED_003),
    ("teacher", "drop_in_share", 0.5, None, SEED_003),
    ("subject_group", "open_lessons", 6, None, SEED_003),
]


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('position', sa.Enum('teacher', 'group_leader', 'middle_leader', 'school_leader',
                                                       name='staffposition', native_enum=False, length=32),
                                   server_default='teacher', nullable=False))
    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('visit', 'prep', 'themed', 'seminar', name='activitykind', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('zone_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=50), nullable=False),
    sa.Column('organizer_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organizer_id'], ['users.id'], name=op.f('fk_activities_organizer_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_activities_school_id_schools')),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_activities_zone_id_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    op.create_index(op.f('ix_activities_held_on'), 'activities', ['held_on'], unique=False)
    op.create_index(op.f('ix_activities_kind'), 'activities', ['kind'], unique=False)
    op.create_index(op.f('ix_activities_organizer_id'), 'activities', ['organizer_id'], unique=False)
    op.create_index(op.f('ix_activities_school_id'), 'activities', ['school_id'], unique=False)
    op.create_index(op.f('ix_activities_zone_id'), 'activities', ['zone_id'], unique=False)
    op.create_table('quota_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=True),
    sa.Column('semester', sa.String(length=16), nullable=True),
    sa.Column('audience', sa.String(length=32), nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('target', sa.Double(), nullable=False),
    sa.Column('maximum', sa.Double(), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_quota_rules_updated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_quota_rules_zone_id_zones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quota_rules')),
    sa.UniqueConstraint('zone_id', 'semester', 'audience', 'metric', name=op.f('uq_quota_rules_zone_id'))
    )
    op.create_index(op.f('ix_quota_rules_zone_id'), 'quota_rules', ['zone_id'], unique=False)
    op.create_table('activity_attendees',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_attendees_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_attendees_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('activity_id', 'user_id', name=op.f('pk_activity_attendees'))
    )
    op.create_index(op.f('ix_activity_attendees_user_id'), 'activity_attendees', ['user_id'], unique=False)
    op.create_table('activity_materials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('path', sa.String(length=500), nullable=True),
    sa.Column('size_bytes', sa.BigInteger(), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_materials_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_activity_materials_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_materials'))
    )
    op.create_index(op.f('ix_activity_materials_activity_id'), 'activity_materials', ['activity_id'], unique=False)
    op.create_table('lesson_group_events',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('host_school_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_lesson_group_events_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['lesson_groups.id'], name=op.f('fk_lesson_group_events_group_id_lesson_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['host_school_id'], ['schools.id'], name=op.f('fk_lesson_group_events_host_school_id_schools')),
    sa.PrimaryKeyConstraint('group_id', name=op.f('pk_lesson_group_events'))
    )
    op.create_index(op.f('ix_lesson_group_events_held_on'), 'lesson_group_events', ['held_on'], unique=False)
    op.create_table('spot_check_draws',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lesson_date', sa.Date(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('eligible_ids', sa.JSON(), nullable=False),
    sa.Column('excluded', sa.JSON(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('chosen_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['chosen_id'], ['users.id'], name=op.f('fk_spot_check_draws_chosen_id_users')),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], name=op.f('fk_spot_check_draws_drawn_by_id_users')),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_spot_check_draws_lesson_id_lessons'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_check_draws'))
    )
    op.create_index(op.f('ix_spot_check_draws_chosen_id'), 'spot_check_draws', ['chosen_id'], unique=False)
    op.create_index(op.f('ix_spot_check_draws_drawn_by_id'), 'spot_check_draws', ['drawn_by_id'], unique=False)
    op.create_index(op.f('ix_spot_check_draws_lesson_date'), 'spot_check_draws', ['lesson_date'], unique=False)
    op.create_table('qualifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('school', 'zone', 'county', name='qualificationlevel', native_enum=False, length=32), nullable=False),
    sa.Column('observation_id', sa.Integer(), nullable=False),
    sa.Column('assessed_by_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('passed', 'failed', 'revoked', name='qualificationstatus', native_enum=False, length=32), nullable=False),
    sa.Column('semester', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assessed_by_id'], ['users.id'], name=op.f('fk_qualifications_assessed_by_id_users')),
    sa.ForeignKeyConstraint(['observation_id'], ['observations.id'], name=op.f('fk_qualifications_observation_id_observations')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_qualifications_school_id_schools')),
    sa.ForeignKeyConstraint(['teacher_id'], ['users.id'], name=op.f('fk_qualifications_teacher_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualifications'))
    )
    op.create_index(op.f('ix_qualifications_school_id'), 'qualifications', ['school_id'], unique=False)
    op.create_index(op.f('ix_qualifications_status'), 'qualifications', ['status'], unique=False)
    op.create_index(op.f('ix_qualifications_teacher_id'), 'qualifications', ['teacher_id'], unique=False)
    op.create_table('qualification_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('qualification_id', sa.Integer(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('observation_id', sa.Integer(), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_qualification_checks_checked_by_id_users')),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], name=op.f('fk_qualification_checks_drawn_by_id_users')),
    sa.ForeignKeyConstraint(['observation_id'], ['observations.id'], name=op.f('fk_qualification_checks_observation_id_observations')),
    sa.ForeignKeyConstraint(['qualification_id'], ['qualifications.id'], name=op.f('fk_qualification_checks_qualification_id_qualifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualification_checks'))
    )
    op.create_index(op.f('ix_qualification_checks_qualification_id'), 'qualification_checks', ['qualification_id'], unique=False)

    now = datetime.now(UTC)
    rules = sa.table('quota_rules', sa.column('zone_id', sa.Integer), sa.column('semester', sa.String),
                     sa.column('audience', sa.String), sa.column('metric', sa.String), sa.column('target', sa.Float),
                     sa.column('maximum', sa.Float), sa.column('source', sa.String),
                     sa.column('created_at', sa.DateTime(timezone=True)),
                     sa.column('updated_at', sa.DateTime(timezone=True)))
    op.bulk_insert(rules, [
        {"zone_id": None, "semester": None, "audience": a, "metric": m, "target": t, "maximum": mx, "source": s,
         "created_at": now, "updated_at": now}
        for a, m, t, mx, s in DEFAULT_RULES
    ])


def downgrade() -> None:
    for table in ('qualification_checks', 'qualifications', 'spot_check_draws', 'lesson_group_events',
                  'activity_materials', 'activity_attendees', 'quota_rules', 'activities'):
        op.drop_table(table)
    with op.batch_alter_table('users') as batch:
        batch.drop_column('position')
