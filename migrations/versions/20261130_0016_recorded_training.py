"""training recorded from elsewhere; terms of reference (issue 15)

Course completions say where they come from: 'online' (the learner's own
lessons and quiz) or 'recorded' (training held outside the platform, recorded
by a manager, trainer or administrator with the place and the evidence). A
recorded completion enrols the person with the enrolment source 'recorded'.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

RECORDED = ("source = 'online' OR (recorded_at IS NOT NULL AND recorded_place IS NOT NULL"
            " AND recorded_evidence IS NOT NULL)")


def upgrade() -> None:
    with op.batch_alter_table('course_completions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), server_default='online', nullable=False))
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('recorded_place', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('recorded_evidence', sa.String(length=1000), nullable=True))
        batch_op.create_index(batch_op.f('ix_course_completions_recorded_by_id'), ['recorded_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_course_completions_recorded_by_id_users'), 'users',
                                    ['recorded_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(op.f('ck_course_completions_source'), sa.text("source IN ('online', 'recorded')"))
        batch_op.create_check_constraint(op.f('ck_course_completions_recorded'), sa.text(RECORDED))
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_enrolments_source'), type_='check')
        batch_op.create_check_constraint(op.f('ck_enrolments_source'),
                                         sa.text("source IN ('self', 'assigned', 'api', 'recorded')"))


def downgrade() -> None:
    # A recorded enrolment becomes an assigned one (the closest: someone else enrolled the person).
    op.execute(sa.text("UPDATE enrolments SET source = 'assigned' WHERE source = 'recorded'"))
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_enrolments_source'), type_='check')
        batch_op.create_check_constraint(op.f('ck_enrolments_source'), sa.text("source IN ('self', 'assigned', 'api')"))
    with op.batch_alter_table('course_completions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_course_completions_recorded'), type_='check')
        batch_op.drop_constraint(op.f('ck_course_completions_source'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_course_completions_recorded_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_course_completions_recorded_by_id'))
        batch_op.drop_column('recorded_evidence')
        batch_op.drop_column('recorded_place')
        batch_op.drop_column('recorded_at')
        batch_op.drop_column('recorded_by_id')
        batch_op.drop_column('source')
