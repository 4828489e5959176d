"""notifications carry their values; a live lesson is announced once

Revision ID: 0011_notify
Revises: 0010_board_text
Create Date: 2026-12-02

``notifications.params`` holds the values of a notification's text (lesson title, observer, time in the
district's zone), so that pages say it in the reader's language (``notif.kind.<kind>`` in the one
translation table; ``text`` stays the Chinese wording for anything that shows it as is).
``lessons.live_announced_at`` is set when the observers of a lesson that went live were told (once:
the API claims the row before it writes their notifications).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_notify'
down_revision: str | None = '0010_board_text'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('live_announced_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_column('live_announced_at')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('params')
