"""accounts: a password set by someone else must be changed; self-registrations are marked;
course versions keep the problems found when they were last saved (pages never re-render to find them)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('self_registered', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Accounts waiting for approval with no training record yet were self-registrations.
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('status', sa.String),
                     sa.column('self_registered', sa.Boolean))
    enrolments = sa.table('enrolments', sa.column('user_id', sa.Integer))
    op.execute(users.update().where(users.c.status == 'pending',
                                    ~sa.exists().where(enrolments.c.user_id == users.c.id))
               .values(self_registered=True))
    with op.batch_alter_table('course_versions') as batch:
        batch.add_column(sa.Column('problems', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table('course_versions') as batch:
        batch.drop_column('problems')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('self_registered')
        batch.drop_column('must_change_password')
