"""certificates (issue 16)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('courses', 'course_versions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('certificate_validity_days', sa.Integer(), nullable=True))

    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('serial', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('holder_name', sa.String(length=200), nullable=False),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint('(course_id IS NULL AND programme_id IS NOT NULL) OR (course_id IS NOT NULL AND programme_id IS NULL)',
                       name=op.f('ck_certificates_one_subject')),
    sa.CheckConstraint('hours >= 0', name=op.f('ck_certificates_hours')),
    sa.CheckConstraint('expires_at IS NULL OR expires_at > completed_at', name=op.f('ck_certificates_expiry')),
    sa.CheckConstraint("(revoked_at IS NULL) = (revoke_reason = '')", name=op.f('ck_certificates_revocation')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_certificates_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_certificates_revoked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificates_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    sa.UniqueConstraint('serial', name=op.f('uq_certificates_serial')),
    sa.UniqueConstraint('user_id', 'course_id', name=op.f('uq_certificates_user_id_course_id')),
    sa.UniqueConstraint('user_id', 'programme_id', name=op.f('uq_certificates_user_id_programme_id')),
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_issued_at'), ['issued_at'], unique=False)


def downgrade() -> None:
    op.drop_table('certificates')
    for table in ('course_versions', 'courses'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('certificate_validity_days')
