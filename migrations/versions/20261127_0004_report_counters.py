"""report counters: roll-up tables for the coverage reports

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

CELL_COLUMNS = (
    'transversal_information', 'transversal_capacity', 'transversal_expertise',
    'professional_information', 'professional_capacity', 'professional_expertise',
    'social_security_information', 'social_security_capacity', 'social_security_expertise',
)


def upgrade() -> None:
    op.create_table('report_learners',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=True),
    sa.Column('staff_category', sa.String(length=16), nullable=False),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.Column('enrolled', sa.Boolean(), nullable=False),
    sa.Column('first_month', sa.Integer(), nullable=True),
    *[sa.Column(name, sa.Integer(), nullable=True) for name in CELL_COLUMNS],
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_report_learners_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_report_learners'))
    )
    op.create_table('report_unit_people',
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('staff_category', sa.String(length=16), nullable=False),
    sa.Column('registered', sa.Integer(), nullable=False),
    sa.Column('enrolled', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('completions', sa.Integer(), nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in CELL_COLUMNS],
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_report_unit_people_org_unit_id_org_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_unit_id', 'staff_category', name=op.f('pk_report_unit_people')),
    sqlite_with_rowid=False
    )
    op.create_table('report_unit_months',
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('staff_category', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('completions', sa.Integer(), nullable=False),
    sa.Column('first_any', sa.Integer(), nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in CELL_COLUMNS],
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_report_unit_months_org_unit_id_org_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_unit_id', 'staff_category', 'month', name=op.f('pk_report_unit_months')),
    sqlite_with_rowid=False
    )
    op.create_index('ix_report_unit_months_month', 'report_unit_months',
                    ['month', 'staff_category', 'completions', 'first_any'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_report_unit_months_month', table_name='report_unit_months')
    op.drop_table('report_unit_months')
    op.drop_table('report_unit_people')
    op.drop_table('report_learners')
