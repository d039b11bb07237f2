"""search index of the catalogue (terms of published courses; `lms migrate` fills it); a personal time zone

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_terms',
    sa.Column('term', sa.String(length=40), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_search_terms_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('term', 'course_id', name=op.f('pk_search_terms'))
    )
    with op.batch_alter_table('search_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_terms_course_id'), ['course_id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('timezone')
    with op.batch_alter_table('search_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_terms_course_id'))
    op.drop_table('search_terms')
