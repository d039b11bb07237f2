"""tasks, evaluations, completion rules, recorded training (issue 15)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 13:00:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved for tasks, evaluations, completion rules, recorded training (issue 15): filled in by that work


def downgrade() -> None:
    pass
