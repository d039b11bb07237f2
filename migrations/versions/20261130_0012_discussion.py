"""course questions and answers (issue 15)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('discussion_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('hidden_at', sa.DateTime(), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=500), nullable=False),
    sa.CheckConstraint("(hidden_at IS NULL AND hidden_reason = '') OR (hidden_at IS NOT NULL AND hidden_reason <> '')", name=op.f('ck_discussion_questions_hidden')),
    sa.CheckConstraint("title <> ''", name=op.f('ck_discussion_questions_title')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_discussion_questions_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_discussion_questions_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_discussion_questions_hidden_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_questions'))
    )
    with op.batch_alter_table('discussion_questions', schema=None) as batch_op:
        batch_op.create_index('ix_discussion_questions_author_created', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_discussion_questions_course_created', ['course_id', 'created_at'], unique=False)

    op.create_table('discussion_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('hidden_at', sa.DateTime(), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=500), nullable=False),
    sa.CheckConstraint("(hidden_at IS NULL AND hidden_reason = '') OR (hidden_at IS NOT NULL AND hidden_reason <> '')", name=op.f('ck_discussion_answers_hidden')),
    sa.CheckConstraint("body_md <> ''", name=op.f('ck_discussion_answers_body')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_discussion_answers_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_discussion_answers_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['discussion_questions.id'], name=op.f('fk_discussion_answers_question_id_discussion_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_answers')),
    sa.UniqueConstraint('id', 'question_id', name=op.f('uq_discussion_answers_id_question_id'))
    )
    with op.batch_alter_table('discussion_answers', schema=None) as batch_op:
        batch_op.create_index('ix_discussion_answers_author_created', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_discussion_answers_question_created', ['question_id', 'created_at'], unique=False)

    op.create_table('discussion_acceptances',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_discussion_acceptances_accepted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['answer_id', 'question_id'], ['discussion_answers.id', 'discussion_answers.question_id'], name=op.f('fk_discussion_acceptances_answer_id_discussion_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['discussion_questions.id'], name=op.f('fk_discussion_acceptances_question_id_discussion_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', name=op.f('pk_discussion_acceptances')),
    sa.UniqueConstraint('answer_id', name=op.f('uq_discussion_acceptances_answer_id'))
    )


def downgrade() -> None:
    op.drop_table('discussion_acceptances')
    with op.batch_alter_table('discussion_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_discussion_answers_question_created')
        batch_op.drop_index('ix_discussion_answers_author_created')

    op.drop_table('discussion_answers')
    with op.batch_alter_table('discussion_questions', schema=None) as batch_op:
        batch_op.drop_index('ix_discussion_questions_course_created')
        batch_op.drop_index('ix_discussion_questions_author_created')

    op.drop_table('discussion_questions')
