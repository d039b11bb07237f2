"""policy and review dates of courses (issue 18)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:00:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved for policy and review dates of courses (issue 18): filled in by that work


def downgrade() -> None:
    pass
