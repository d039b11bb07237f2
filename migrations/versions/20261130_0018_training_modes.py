"""mode of training in the coverage counters (issue 15, item 2)

Every course completion says how the person was trained: 'online',
'classroom' or 'blended' (lms.courses.services.delivery_mode of the version
they followed, fixed on the version when it is published). Completions made
before this revision take the mode of the version their enrolment follows
(the course's live version without one), and a recorded completion
(training held outside the platform) is 'classroom'.

The coverage counters per unit and category (and month) gain the people
trained in each mode; three counter tables hold every completion figure by
mode for the report's mode filter: what was counted per person and mode, per
unit x category x mode, and per unit x category x mode x month. All are kept
in step by lms.reports.counters, and filled by `flask lms migrate` (a
rebuild, since months follow the site's zone) right after this revision.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

CELL_COLUMNS = (
    'transversal_information', 'transversal_capacity', 'transversal_expertise',
    'professional_information', 'professional_capacity', 'professional_expertise',
    'social_security_information', 'social_security_capacity', 'social_security_expertise',
)
MODES = "mode IN ('online', 'classroom', 'blended')"
MODE_COLUMNS = ('trained_online', 'trained_classroom', 'trained_blended')

# lms.courses.services.delivery_mode, in SQL, for the versions published before this revision.
VERSION_MODE = """
UPDATE course_versions SET delivery_mode = CASE
  WHEN required_sessions > 0
       AND NOT ((require_lessons AND EXISTS (SELECT 1 FROM lessons l WHERE l.version_id = course_versions.id))
                OR (require_quiz AND EXISTS (SELECT 1 FROM quizzes q WHERE q.version_id = course_versions.id)))
       AND NOT EXISTS (SELECT 1 FROM course_tasks t WHERE t.version_id = course_versions.id)
       AND NOT EXISTS (SELECT 1 FROM course_evaluations e WHERE e.version_id = course_versions.id)
    THEN 'classroom'
  WHEN required_sessions = 0
       AND NOT EXISTS (SELECT 1 FROM course_tasks t WHERE t.version_id = course_versions.id)
       AND NOT EXISTS (SELECT 1 FROM course_evaluations e WHERE e.version_id = course_versions.id)
    THEN 'online'
  ELSE 'blended' END
"""

COMPLETION_MODE = """
UPDATE course_completions SET mode = CASE
  WHEN source = 'recorded' THEN 'classroom'
  ELSE COALESCE(
    (SELECT v.delivery_mode FROM enrolments e JOIN course_versions v ON v.id = e.version_id
      WHERE e.user_id = course_completions.user_id AND e.course_id = course_completions.course_id),
    (SELECT c.delivery_mode FROM courses c WHERE c.id = course_completions.course_id),
    'online') END
"""


def upgrade() -> None:
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_mode', sa.String(length=16), server_default='online', nullable=False))
        batch_op.create_check_constraint(op.f('ck_course_versions_delivery_mode'), sa.text(MODES.replace('mode', 'delivery_mode', 1)))
    op.execute(sa.text(VERSION_MODE))
    with op.batch_alter_table('course_completions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sa.String(length=16), server_default='online', nullable=False))
        batch_op.create_check_constraint(op.f('ck_course_completions_mode'), sa.text(MODES))
    op.execute(sa.text(COMPLETION_MODE))
    for table in ('report_unit_people', 'report_unit_months'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in MODE_COLUMNS:
                batch_op.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))

    op.create_table('report_learner_modes',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('first_month', sa.Integer(), nullable=True),
    *[sa.Column(name, sa.Integer(), nullable=True) for name in CELL_COLUMNS],
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_report_learner_modes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'mode', name=op.f('pk_report_learner_modes')),
    sqlite_with_rowid=False
    )
    op.create_table('report_mode_people',
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('staff_category', sa.String(length=16), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('completions', sa.Integer(), nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in CELL_COLUMNS],
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_report_mode_people_org_unit_id_org_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_unit_id', 'staff_category', 'mode', name=op.f('pk_report_mode_people')),
    sqlite_with_rowid=False
    )
    op.create_table('report_mode_months',
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('staff_category', sa.String(length=16), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('completions', sa.Integer(), nullable=False),
    sa.Column('first_any', sa.Integer(), nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in CELL_COLUMNS],
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_report_mode_months_org_unit_id_org_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_unit_id', 'staff_category', 'mode', 'month', name=op.f('pk_report_mode_months')),
    sqlite_with_rowid=False
    )
    op.create_index('ix_report_mode_months_month', 'report_mode_months',
                    ['mode', 'month', 'staff_category', 'completions', 'first_any'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_report_mode_months_month', table_name='report_mode_months')
    op.drop_table('report_mode_months')
    op.drop_table('report_mode_people')
    op.drop_table('report_learner_modes')
    for table in ('report_unit_months', 'report_unit_people'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in reversed(MODE_COLUMNS):
                batch_op.drop_column(name)
    with op.batch_alter_table('course_completions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_course_completions_mode'), type_='check')
        batch_op.drop_column('mode')
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_course_versions_delivery_mode'), type_='check')
        batch_op.drop_column('delivery_mode')
