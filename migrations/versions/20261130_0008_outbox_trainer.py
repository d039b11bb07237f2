"""outbox for every kind of message (dedupe_key, wider kind list); the trainer role

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Literal lists: a migration must not change when the application's vocabularies do.
OLD_KINDS = ("due_soon", "overdue")
OUTBOX_KINDS = (
    "due_soon", "overdue", "review_due", "session_reminder", "session_place", "session_cancelled",
    "queue_reminder", "task_marked", "discussion_answer", "certificate", "xapi",
)
ROLES = ("learner", "author", "manager", "trainer", "admin")
OLD_ROLES = ("learner", "author", "manager", "admin")


def sql_in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_kind'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=16), type_=sa.String(length=20),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(op.f('uq_outbox_dedupe_key'), ['dedupe_key'])
        batch_op.create_check_constraint(op.f('ck_outbox_kind'), sa.text(sql_in('kind', OUTBOX_KINDS)))
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_roles_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_roles_role'), sa.text(sql_in('role', ROLES)))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM user_roles WHERE " + " AND ".join(f"role <> '{r}'" for r in ROLES if r not in OLD_ROLES)))
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_roles_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_roles_role'), sa.text(sql_in('role', OLD_ROLES)))
    op.execute(sa.text("DELETE FROM outbox WHERE dedupe_key IS NOT NULL OR "
                       + " AND ".join(f"kind <> '{k}'" for k in OLD_KINDS)))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_kind'), type_='check')
        batch_op.drop_constraint(op.f('uq_outbox_dedupe_key'), type_='unique')
        batch_op.drop_column('dedupe_key')
        batch_op.alter_column('kind', existing_type=sa.String(length=20), type_=sa.String(length=16),
                              existing_nullable=False)
        batch_op.create_check_constraint(op.f('ck_outbox_kind'), sa.text(sql_in('kind', OLD_KINDS)))
