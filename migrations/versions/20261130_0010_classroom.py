"""classroom sessions, sign-ups, attendance (issue 15)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Literal lists: a migration must not change when the application's vocabularies do.
SESSION_STATUSES = ("scheduled", "cancelled")
SIGNUP_STATES = ("booked", "waiting", "cancelled")
ATTENDANCE_STATUSES = ("present", "absent", "excused")


def sql_in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        'classroom_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('instructions_md', sa.Text(), nullable=False),
        sa.Column('instructions_html', sa.Text(), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('place', sa.String(length=300), nullable=False),
        sa.Column('org_unit_id', sa.Integer(), nullable=False),
        sa.Column('trainer_id', sa.Integer(), nullable=True),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('booked', sa.Integer(), nullable=False),
        sa.Column('waiting_seq', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint(sql_in('status', SESSION_STATUSES), name=op.f('ck_classroom_sessions_status')),
        sa.CheckConstraint('capacity >= 1 AND capacity <= 1000', name=op.f('ck_classroom_sessions_capacity')),
        sa.CheckConstraint('booked >= 0 AND booked <= capacity', name=op.f('ck_classroom_sessions_booked')),
        sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_classroom_sessions_times')),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_classroom_sessions_course_id_courses'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'],
                                name=op.f('fk_classroom_sessions_org_unit_id_org_units'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['trainer_id'], ['users.id'], name=op.f('fk_classroom_sessions_trainer_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_classroom_sessions_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_classroom_sessions')),
    )
    op.create_index('ix_classroom_sessions_course_start', 'classroom_sessions', ['course_id', 'starts_at'])
    op.create_index(op.f('ix_classroom_sessions_starts_at'), 'classroom_sessions', ['starts_at'])
    op.create_index(op.f('ix_classroom_sessions_ends_at'), 'classroom_sessions', ['ends_at'])
    op.create_index(op.f('ix_classroom_sessions_org_unit_id'), 'classroom_sessions', ['org_unit_id'])
    op.create_index(op.f('ix_classroom_sessions_trainer_id'), 'classroom_sessions', ['trainer_id'])

    op.create_table(
        'session_signups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('position', sa.Integer(), nullable=True),
        sa.Column('signed_up_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('booked_at', sa.DateTime(), nullable=True),
        sa.Column('cancelled_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint(sql_in('state', SIGNUP_STATES), name=op.f('ck_session_signups_state')),
        sa.CheckConstraint("(state = 'waiting') = (position IS NOT NULL)", name=op.f('ck_session_signups_position')),
        sa.ForeignKeyConstraint(['session_id'], ['classroom_sessions.id'],
                                name=op.f('fk_session_signups_session_id_classroom_sessions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_signups_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['signed_up_by_id'], ['users.id'],
                                name=op.f('fk_session_signups_signed_up_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_session_signups')),
        sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_session_signups_session_id_user_id')),
        sa.UniqueConstraint('session_id', 'position', name=op.f('uq_session_signups_session_id_position')),
    )
    op.create_index(op.f('ix_session_signups_user_id'), 'session_signups', ['user_id'])

    op.create_table(
        'session_attendance',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('marked_by_id', sa.Integer(), nullable=True),
        sa.Column('marked_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint(sql_in('status', ATTENDANCE_STATUSES), name=op.f('ck_session_attendance_status')),
        sa.ForeignKeyConstraint(['session_id'], ['classroom_sessions.id'],
                                name=op.f('fk_session_attendance_session_id_classroom_sessions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_attendance_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'],
                                name=op.f('fk_session_attendance_marked_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_session_attendance')),
        sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_session_attendance_session_id_user_id')),
    )
    op.create_index(op.f('ix_session_attendance_user_id'), 'session_attendance', ['user_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_session_attendance_user_id'), table_name='session_attendance')
    op.drop_table('session_attendance')
    op.drop_index(op.f('ix_session_signups_user_id'), table_name='session_signups')
    op.drop_table('session_signups')
    op.drop_index(op.f('ix_classroom_sessions_trainer_id'), table_name='classroom_sessions')
    op.drop_index(op.f('ix_classroom_sessions_org_unit_id'), table_name='classroom_sessions')
    op.drop_index(op.f('ix_classroom_sessions_ends_at'), table_name='classroom_sessions')
    op.drop_index(op.f('ix_classroom_sessions_starts_at'), table_name='classroom_sessions')
    op.drop_index('ix_classroom_sessions_course_start', table_name='classroom_sessions')
    op.drop_table('classroom_sessions')
