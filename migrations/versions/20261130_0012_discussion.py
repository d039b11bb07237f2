"""course questions and answers (issue 15)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 13:00:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved for course questions and answers (issue 15): filled in by that work


def downgrade() -> None:
    pass
