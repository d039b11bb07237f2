"""surveys: training-needs surveys, their answers and counters; the level provincial_city

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OLD_LEVELS = "level IN ('national', 'province', 'city', 'district', 'county', 'workplace')"
NEW_LEVELS = "level IN ('national', 'province', 'provincial_city', 'city', 'district', 'county', 'workplace')"


def _set_level_check(old: str, new: str) -> None:
    """Replace the CHECK constraint on org_units.level.

    PostgreSQL drops and adds it. SQLite cannot alter a constraint, and
    rebuilding org_units (batch mode) is not possible here: with foreign keys
    on, dropping the old table would cascade to the headcounts and be refused
    by the users, and the pragma cannot be switched inside the migration's
    transaction. The constraint's text is therefore edited in the schema, the
    procedure the SQLite documentation gives for changes that leave the
    stored rows valid ("Making Other Kinds Of Table Schema Changes"): it
    widens the list on upgrade; on downgrade the rows were changed first.
    """
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_org_units_level'), 'org_units', type_='check')
        op.create_check_constraint(op.f('ck_org_units_level'), 'org_units', sa.text(new))
        return
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'org_units'").scalar()
    if old not in sql:
        raise RuntimeError(f"org_units: the CHECK constraint on level is not {old!r}: {sql}")
    version = bind.exec_driver_sql('PRAGMA schema_version').scalar()
    bind.exec_driver_sql('PRAGMA writable_schema = ON')
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'org_units'",
                         (sql.replace(old, new),))
    bind.exec_driver_sql(f'PRAGMA schema_version = {int(version) + 1}')
    bind.exec_driver_sql('PRAGMA writable_schema = OFF')
    problems = bind.exec_driver_sql('PRAGMA integrity_check').scalars().all()
    if problems != ['ok']:
        raise RuntimeError(f"integrity check after changing org_units: {problems}")


def upgrade() -> None:
    _set_level_check(OLD_LEVELS, NEW_LEVELS)

    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('root_unit_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name=op.f('ck_surveys_status')),
    sa.CheckConstraint('closes_on >= opens_on', name=op.f('ck_surveys_dates')),
    sa.CheckConstraint('version >= 0', name=op.f('ck_surveys_version')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_surveys_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['root_unit_id'], ['org_units.id'], name=op.f('fk_surveys_root_unit_id_org_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surveys_root_unit_id'), ['root_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_surveys_status'), ['status'], unique=False)

    op.create_table('survey_categories',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('staff_category', sa.String(length=16), nullable=False),
    sa.CheckConstraint("staff_category IN ('manager', 'professional', 'staff', 'correspondent')", name=op.f('ck_survey_categories_staff_category')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_categories_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'staff_category', name=op.f('pk_survey_categories'))
    )
    op.create_table('survey_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_events_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_events_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_events'))
    )
    with op.batch_alter_table('survey_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_events_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_levels',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.CheckConstraint("level IN ('national', 'province', 'provincial_city', 'city', 'district', 'county', 'workplace')", name=op.f('ck_survey_levels_level')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_levels_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'level', name=op.f('pk_survey_levels'))
    )
    op.create_table('survey_respondent_counts',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('staff_category', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_survey_respondent_counts_org_unit_id_org_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_respondent_counts_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'org_unit_id', 'staff_category', 'language', name=op.f('pk_survey_respondent_counts')),
    sqlite_with_rowid=False
    )
    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('paper_ref', sa.String(length=64), nullable=True),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('staff_category', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("language IN ('zh_CN', 'en')", name=op.f('ck_survey_responses_language')),
    sa.CheckConstraint("staff_category IN ('manager', 'professional', 'staff', 'correspondent')", name=op.f('ck_survey_responses_staff_category')),
    sa.CheckConstraint('(user_id IS NULL) <> (paper_ref IS NULL)', name=op.f('ck_survey_responses_one_source')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_survey_responses_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_responses_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_responses_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('survey_id', 'paper_ref', name=op.f('uq_survey_responses_survey_id_paper_ref')),
    sa.UniqueConstraint('survey_id', 'user_id', name=op.f('uq_survey_responses_survey_id_user_id'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_user_id'), ['user_id'], unique=False)

    op.create_table('survey_topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('skill_type', sa.String(length=20), nullable=False),
    sa.Column('target_level', sa.String(length=20), nullable=False),
    sa.Column('comment_allowed', sa.Boolean(), nullable=False),
    sa.Column('added_in_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("skill_type IN ('transversal', 'professional', 'social-security')", name=op.f('ck_survey_topics_skill_type')),
    sa.CheckConstraint("target_level IN ('information', 'capacity', 'expertise')", name=op.f('ck_survey_topics_target_level')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_topics_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_topics')),
    sa.UniqueConstraint('survey_id', 'key', name=op.f('uq_survey_topics_survey_id_key'))
    )
    op.create_table('survey_versions',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_survey_versions_number')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_survey_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_versions_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'number', name=op.f('pk_survey_versions'))
    )
    op.create_table('survey_answers',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('need', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.CheckConstraint('need BETWEEN 0 AND 3', name=op.f('ck_survey_answers_need')),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_survey_answers_response_id_survey_responses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['survey_topics.id'], name=op.f('fk_survey_answers_topic_id_survey_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'topic_id', name=op.f('pk_survey_answers'))
    )
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answers_topic_id'), ['topic_id'], unique=False)

    op.create_table('survey_need_counts',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('staff_category', sa.String(length=16), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('not_needed', sa.Integer(), nullable=False),
    sa.Column('useful', sa.Integer(), nullable=False),
    sa.Column('essential', sa.Integer(), nullable=False),
    sa.Column('no_answer', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_survey_need_counts_org_unit_id_org_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_need_counts_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['survey_topics.id'], name=op.f('fk_survey_need_counts_topic_id_survey_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'org_unit_id', 'staff_category', 'topic_id', name=op.f('pk_survey_need_counts')),
    sqlite_with_rowid=False
    )
    op.create_table('survey_topic_schemes',
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.String(length=20), nullable=False),
    sa.CheckConstraint("scheme IN ('pension', 'medical', 'unemployment', 'work_injury', 'maternity')", name=op.f('ck_survey_topic_schemes_scheme')),
    sa.ForeignKeyConstraint(['topic_id'], ['survey_topics.id'], name=op.f('fk_survey_topic_schemes_topic_id_survey_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('topic_id', 'scheme', name=op.f('pk_survey_topic_schemes'))
    )


def downgrade() -> None:
    op.drop_table('survey_topic_schemes')
    op.drop_table('survey_need_counts')
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answers_topic_id'))

    op.drop_table('survey_answers')
    op.drop_table('survey_versions')
    op.drop_table('survey_topics')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_user_id'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_org_unit_id'))

    op.drop_table('survey_responses')
    op.drop_table('survey_respondent_counts')
    op.drop_table('survey_levels')
    with op.batch_alter_table('survey_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_events_survey_id'))

    op.drop_table('survey_events')
    op.drop_table('survey_categories')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surveys_status'))
        batch_op.drop_index(batch_op.f('ix_surveys_root_unit_id'))

    op.drop_table('surveys')

    # A provincial city becomes a city again.
    op.execute("UPDATE org_units SET level = 'city' WHERE level = 'provincial_city'")
    _set_level_check(NEW_LEVELS, OLD_LEVELS)
