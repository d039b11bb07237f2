"""programmes and professions (issue 16)

Programmes (ordered sets of courses, their target categories and professions,
completions, trail); users.profession and assignments.profession. The
certificates table's programme_id gets its foreign key (the certificates came first, in 0013).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# Literal list: a migration must not change when the application's vocabulary does.
PROFESSIONS = ('hr_manager', 'training_manager', 'training_engineer', 'trainer', 'accountancy', 'it', 'office_management', 'education_training')
PROFESSION_CHECK = "profession IN (" + ", ".join(f"'{p}'" for p in PROFESSIONS) + ")"


def upgrade() -> None:
    op.create_table('programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description_md', sa.Text(), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.Column('certificate_validity_days', sa.Integer(), nullable=True),
    sa.Column('min_optional', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'review', 'published', 'archived')", name=op.f('ck_programmes_status')),
    sa.CheckConstraint('certificate_validity_days IS NULL OR certificate_validity_days > 0', name=op.f('ck_programmes_certificate_validity_days')),
    sa.CheckConstraint('min_optional >= 0', name=op.f('ck_programmes_min_optional')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_programmes_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_programmes_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_programmes_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programmes')),
    sa.UniqueConstraint('code', name=op.f('uq_programmes_code'))
    )
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programmes_status'), ['status'], unique=False)

    op.create_table('programme_audiences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('staff_category', sa.String(length=16), nullable=False),
    sa.CheckConstraint("staff_category IN ('manager', 'professional', 'staff', 'correspondent')", name=op.f('ck_programme_audiences_staff_category')),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_programme_audiences_programme_id_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_audiences')),
    sa.UniqueConstraint('programme_id', 'staff_category', name=op.f('uq_programme_audiences_programme_id_staff_category'))
    )
    op.create_table('programme_completions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_programme_completions_programme_id_programmes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_programme_completions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_completions')),
    sa.UniqueConstraint('user_id', 'programme_id', name=op.f('uq_programme_completions_user_id_programme_id'))
    )
    with op.batch_alter_table('programme_completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_completions_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_completions_user_id'), ['user_id'], unique=False)

    op.create_table('programme_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.CheckConstraint('position >= 1', name=op.f('ck_programme_courses_position')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_programme_courses_course_id_courses'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_programme_courses_programme_id_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_courses')),
    sa.UniqueConstraint('programme_id', 'course_id', name=op.f('uq_programme_courses_programme_id_course_id')),
    sa.UniqueConstraint('programme_id', 'position', name=op.f('uq_programme_courses_programme_id_position'))
    )
    with op.batch_alter_table('programme_courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_courses_course_id'), ['course_id'], unique=False)

    op.create_table('programme_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_programme_events_programme_id_programmes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_programme_events_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_events'))
    )
    with op.batch_alter_table('programme_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_events_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_events_user_id'), ['user_id'], unique=False)

    op.create_table('programme_professions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('profession', sa.String(length=32), nullable=False),
    sa.CheckConstraint(PROFESSION_CHECK, name=op.f('ck_programme_professions_profession')),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_programme_professions_programme_id_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_professions')),
    sa.UniqueConstraint('programme_id', 'profession', name=op.f('uq_programme_professions_programme_id_profession'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profession', sa.String(length=32), nullable=True))
        batch_op.create_check_constraint(op.f('ck_assignments_profession'), sa.text(PROFESSION_CHECK))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profession', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_profession'), ['profession'], unique=False)
        batch_op.create_check_constraint(op.f('ck_users_profession'), sa.text(PROFESSION_CHECK))

    # The certificates of programmes (migration 0013) point at them now that they exist.
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_certificates_programme_id_programmes'), 'programmes',
                                    ['programme_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificates_programme_id_programmes'), type_='foreignkey')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_profession'), type_='check')
        batch_op.drop_index(batch_op.f('ix_users_profession'))
        batch_op.drop_column('profession')

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_assignments_profession'), type_='check')
        batch_op.drop_column('profession')

    op.drop_table('programme_professions')
    with op.batch_alter_table('programme_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_events_user_id'))
        batch_op.drop_index(batch_op.f('ix_programme_events_programme_id'))

    op.drop_table('programme_events')
    with op.batch_alter_table('programme_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_courses_course_id'))

    op.drop_table('programme_courses')
    with op.batch_alter_table('programme_completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_completions_user_id'))
        batch_op.drop_index(batch_op.f('ix_programme_completions_programme_id'))

    op.drop_table('programme_completions')
    op.drop_table('programme_audiences')
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programmes_status'))

    op.drop_table('programmes')
