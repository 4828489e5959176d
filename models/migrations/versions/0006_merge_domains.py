"""merge the domain branches (pipeline, library, workflows, polls/discussions) into one head

Revision ID: 0006_merge_domains
Revises: 0002_pipeline, 0003_library, 0004_workflows, 0005_polls_discussions
Create Date: 2026-11-23
"""
from collections.abc import Sequence

revision: str = "0006_merge_domains"
down_revision: tuple[str, ...] = ("0002_pipeline", "0003_library", "0004_workflows", "0005_polls_discussions")
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
