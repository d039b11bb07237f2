"""policy and review dates of courses (issue 18)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


TABLES = ("courses", "course_versions")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('policy_as_of', sa.Date(), nullable=True))
            batch_op.add_column(sa.Column('review_by', sa.Date(), nullable=True))
            batch_op.create_check_constraint(op.f(f'ck_{table}_review_dates'), sa.text('review_by > policy_as_of'))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_review_dates'), type_='check')
            batch_op.drop_column('review_by')
            batch_op.drop_column('policy_as_of')
