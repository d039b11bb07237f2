"""xAPI statements (issue 16)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('xapi_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('verb', sa.String(length=200), nullable=False),
    sa.Column('object_id', sa.String(length=500), nullable=False),
    sa.Column('timestamp', sa.DateTime(), nullable=False),
    sa.Column('stored', sa.DateTime(), nullable=False),
    sa.Column('statement', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_xapi_statements_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_statements')),
    sa.UniqueConstraint('statement_id', name=op.f('uq_xapi_statements_statement_id'))
    )
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.create_index('ix_xapi_statements_user_id_id', ['user_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_statements_verb'), ['verb'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_statements_stored'), ['stored'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_xapi_statements_stored'))
        batch_op.drop_index(batch_op.f('ix_xapi_statements_verb'))
        batch_op.drop_index('ix_xapi_statements_user_id_id')
    op.drop_table('xapi_statements')
