"""xAPI statements (issue 16)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 13:00:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved for xAPI statements (issue 16): filled in by that work


def downgrade() -> None:
    pass
