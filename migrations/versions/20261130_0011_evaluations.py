"""tasks, evaluations, completion rules, recorded training (issue 15)

On-the-job tasks and the manager evaluation of a course version, completion
rules per version, the delivery mode of a course, task reports, evaluation
records and essay grades.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

DELIVERY_MODES = ("online", "classroom", "blended")


def sql_in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table('courses', schema=None) as batch:
        batch.add_column(sa.Column('delivery_mode', sa.String(length=16), nullable=False, server_default='online'))
        batch.create_index(batch.f('ix_courses_delivery_mode'), ['delivery_mode'], unique=False)
        batch.create_check_constraint(op.f('ck_courses_delivery_mode'), sa.text(sql_in('delivery_mode', DELIVERY_MODES)))
    with op.batch_alter_table('course_versions', schema=None) as batch:
        batch.add_column(sa.Column('require_lessons', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column('require_quiz', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column('required_sessions', sa.Integer(), nullable=False, server_default=sa.text('0')))
        batch.add_column(sa.Column('require_tasks', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column('require_evaluation', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.create_check_constraint(op.f('ck_course_versions_required_sessions'), sa.text('required_sessions >= 0'))

    op.create_table(
        'course_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=80), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('instructions_md', sa.Text(), nullable=False),
        sa.Column('instructions_html', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_tasks_course_id_courses'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['version_id'], ['course_versions.id'], name=op.f('fk_course_tasks_version_id_course_versions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_course_tasks')),
        sa.UniqueConstraint('version_id', 'slug', name=op.f('uq_course_tasks_version_id_slug')),
    )
    op.create_index(op.f('ix_course_tasks_course_id'), 'course_tasks', ['course_id'], unique=False)
    op.create_index(op.f('ix_course_tasks_version_id'), 'course_tasks', ['version_id'], unique=False)

    op.create_table(
        'course_evaluations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('instructions_md', sa.Text(), nullable=False),
        sa.Column('instructions_html', sa.Text(), nullable=False),
        sa.Column('max_score', sa.Integer(), nullable=True),
        sa.CheckConstraint('max_score IS NULL OR max_score >= 1', name=op.f('ck_course_evaluations_max_score')),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_evaluations_course_id_courses'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['version_id'], ['course_versions.id'], name=op.f('fk_course_evaluations_version_id_course_versions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_course_evaluations')),
        sa.UniqueConstraint('version_id', name=op.f('uq_course_evaluations_version_id')),
    )
    op.create_index(op.f('ix_course_evaluations_course_id'), 'course_evaluations', ['course_id'], unique=False)

    op.create_table(
        'task_submissions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('task_slug', sa.String(length=80), nullable=False),
        sa.Column('report', sa.Text(), nullable=False),
        sa.Column('attachment_name', sa.String(length=64), nullable=True),
        sa.Column('attachment_type', sa.String(length=32), nullable=True),
        sa.Column('attachment_size', sa.Integer(), nullable=True),
        sa.Column('attachment_original', sa.String(length=200), nullable=False, server_default=''),
        sa.Column('submitted_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('marked_at', sa.DateTime(), nullable=True),
        sa.Column('marked_by_id', sa.Integer(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False, server_default=''),
        sa.CheckConstraint("status IN ('submitted', 'done', 'redo')", name=op.f('ck_task_submissions_status')),
        sa.CheckConstraint('attachment_size IS NULL OR attachment_size > 0', name=op.f('ck_task_submissions_attachment_size')),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_task_submissions_course_id_courses'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'], name=op.f('fk_task_submissions_marked_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['task_id'], ['course_tasks.id'], name=op.f('fk_task_submissions_task_id_course_tasks'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_task_submissions_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_submissions')),
        sa.UniqueConstraint('attachment_name', name=op.f('uq_task_submissions_attachment_name')),
    )
    op.create_index(op.f('ix_task_submissions_user_id'), 'task_submissions', ['user_id'], unique=False)
    op.create_index(op.f('ix_task_submissions_course_id'), 'task_submissions', ['course_id'], unique=False)
    op.create_index(op.f('ix_task_submissions_task_id'), 'task_submissions', ['task_id'], unique=False)
    op.create_index('ix_task_submissions_status', 'task_submissions', ['status', 'submitted_at'], unique=False)
    op.create_index('uq_task_submissions_one_waiting', 'task_submissions', ['user_id', 'course_id', 'task_slug'],
                    unique=True, sqlite_where=sa.text("status = 'submitted'"),
                    postgresql_where=sa.text("status = 'submitted'"))

    op.create_table(
        'evaluation_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('evaluation_id', sa.Integer(), nullable=True),
        sa.Column('passed', sa.Boolean(), nullable=False),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False, server_default=''),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('score IS NULL OR score >= 0', name=op.f('ck_evaluation_records_score')),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_evaluation_records_course_id_courses'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['evaluation_id'], ['course_evaluations.id'], name=op.f('fk_evaluation_records_evaluation_id_course_evaluations'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_evaluation_records_recorded_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_evaluation_records_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_records')),
    )
    op.create_index(op.f('ix_evaluation_records_course_id'), 'evaluation_records', ['course_id'], unique=False)
    op.create_index('ix_evaluation_records_learner', 'evaluation_records', ['user_id', 'course_id', 'recorded_at'], unique=False)

    op.create_table(
        'essay_grades',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('answer_id', sa.Integer(), nullable=False),
        sa.Column('points', sa.Float(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False, server_default=''),
        sa.Column('graded_at', sa.DateTime(), nullable=False),
        sa.Column('graded_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('points >= 0', name=op.f('ck_essay_grades_points')),
        sa.ForeignKeyConstraint(['answer_id'], ['attempt_answers.id'], name=op.f('fk_essay_grades_answer_id_attempt_answers'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['graded_by_id'], ['users.id'], name=op.f('fk_essay_grades_graded_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_essay_grades')),
        sa.UniqueConstraint('answer_id', name=op.f('uq_essay_grades_answer_id')),
    )


def downgrade() -> None:
    op.drop_table('essay_grades')
    op.drop_index('ix_evaluation_records_learner', table_name='evaluation_records')
    op.drop_index(op.f('ix_evaluation_records_course_id'), table_name='evaluation_records')
    op.drop_table('evaluation_records')
    op.drop_index('uq_task_submissions_one_waiting', table_name='task_submissions')
    op.drop_index('ix_task_submissions_status', table_name='task_submissions')
    op.drop_index(op.f('ix_task_submissions_task_id'), table_name='task_submissions')
    op.drop_index(op.f('ix_task_submissions_course_id'), table_name='task_submissions')
    op.drop_index(op.f('ix_task_submissions_user_id'), table_name='task_submissions')
    op.drop_table('task_submissions')
    op.drop_index(op.f('ix_course_evaluations_course_id'), table_name='course_evaluations')
    op.drop_table('course_evaluations')
    op.drop_index(op.f('ix_course_tasks_version_id'), table_name='course_tasks')
    op.drop_index(op.f('ix_course_tasks_course_id'), table_name='course_tasks')
    op.drop_table('course_tasks')
    with op.batch_alter_table('course_versions', schema=None) as batch:
        batch.drop_constraint(op.f('ck_course_versions_required_sessions'), type_='check')
        batch.drop_column('require_evaluation')
        batch.drop_column('require_tasks')
        batch.drop_column('required_sessions')
        batch.drop_column('require_quiz')
        batch.drop_column('require_lessons')
    with op.batch_alter_table('courses', schema=None) as batch:
        batch.drop_constraint(op.f('ck_courses_delivery_mode'), type_='check')
        batch.drop_index(batch.f('ix_courses_delivery_mode'))
        batch.drop_column('delivery_mode')
