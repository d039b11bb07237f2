"""training recorded from elsewhere; terms of reference (issue 15)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 13:00:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved for training recorded from elsewhere (issue 15): filled in by that work


def downgrade() -> None:
    pass
