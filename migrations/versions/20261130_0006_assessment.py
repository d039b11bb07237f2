"""assessment: question kinds (short answer, numerical, matching, essay), partial credit,
review options per quiz, fractional points, per-attempt answer tokens

- questions: title, units (numerical), max_chars (essay); the kind CHECK lists the new kinds.
- question_options: weight, min_value, max_value (numerical), match_text (matching).
- quizzes: review_score, review_correctness, review_right_answers, review_feedback.
- quiz_attempts: points are fractional (FLOAT); every layout gets per-attempt random
  tokens for its questions and options ([[qid, [oid, ...]], ...] becomes
  [{"q": qid, "t": token, "o": [[oid, token], ...]}, ...]), so open attempts go on
  with identifiers that reveal nothing and old ones keep displaying.
- attempt_answers: points FLOAT, fraction (1 or 0 for the old rows), response, state.

SQLite: questions, quizzes and quiz_attempts are referenced by ON DELETE CASCADE
foreign keys and the migration runs with foreign keys on, so rebuilding them
(batch "recreate") would empty the tables that point at them. Only columns are
added to them (ALTER TABLE ADD COLUMN, batch mode without a copy), and the two
changes ADD COLUMN cannot make (the kind CHECK, the points' type) are made by
editing the table's schema text, the procedure the SQLite documentation gives for
changes that leave the stored rows valid (both only widen what is accepted).
attempt_answers is referenced by nothing: it is rebuilt in batch mode.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 10:00:00
"""
import json
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('single', 'multiple', 'true_false')"
NEW_KINDS = ("kind IN ('single', 'multiple', 'true_false', 'short_answer', 'numerical', 'matching', "
             "'essay')")
_ATTEMPTS = sa.table('quiz_attempts', sa.column('id', sa.Integer), sa.column('layout', sa.JSON))
_BATCH = 1000


def _edit_sqlite_schema(table: str, replacements: list[tuple[str, str]]) -> None:
    bind = op.get_bind()
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).scalar()
    for old, new in replacements:
        if old not in sql:
            raise RuntimeError(f"{table}: expected {old!r} in its schema: {sql}")
        sql = sql.replace(old, new)
    version = bind.exec_driver_sql('PRAGMA schema_version').scalar()
    bind.exec_driver_sql('PRAGMA writable_schema = ON')
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table))
    bind.exec_driver_sql(f'PRAGMA schema_version = {int(version) + 1}')
    bind.exec_driver_sql('PRAGMA writable_schema = OFF')
    problems = bind.exec_driver_sql('PRAGMA integrity_check').scalars().all()
    if problems != ['ok']:
        raise RuntimeError(f"integrity check after changing {table}: {problems}")


def _token(used: set[str]) -> str:
    while True:
        token = secrets.token_hex(6)
        if token not in used:
            used.add(token)
            return token


def _tokenised(layout: list) -> list:
    used: set[str] = set()
    return [{"q": qid, "t": _token(used), "o": [[oid, _token(used)] for oid in option_ids]}
            for qid, option_ids in layout]


def _plain(layout: list) -> list:
    return [[item["q"], [oid for oid, _token in item.get("o", [])]] for item in layout]


def _convert_layouts(convert, old_format: bool) -> None:
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(_ATTEMPTS.c.id, _ATTEMPTS.c.layout).where(_ATTEMPTS.c.id > last)
                            .order_by(_ATTEMPTS.c.id).limit(_BATCH)).all()
        if not rows:
            return
        changed = []
        for attempt_id, layout in rows:
            if isinstance(layout, str):
                layout = json.loads(layout)
            if layout and isinstance(layout[0], list) == old_format:
                changed.append({"attempt_id": attempt_id, "layout": convert(layout)})
        if changed:
            bind.execute(_ATTEMPTS.update().where(_ATTEMPTS.c.id == sa.bindparam("attempt_id"))
                         .values(layout=sa.bindparam("layout")), changed)
        last = rows[-1][0]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table('questions') as batch:
        batch.add_column(sa.Column('title', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('units', sa.JSON(), nullable=False, server_default='[]'))
        batch.add_column(sa.Column('max_chars', sa.Integer(), nullable=True))
    with op.batch_alter_table('question_options') as batch:
        batch.add_column(sa.Column('weight', sa.Float(), nullable=True))
        batch.add_column(sa.Column('min_value', sa.Float(), nullable=True))
        batch.add_column(sa.Column('max_value', sa.Float(), nullable=True))
        batch.add_column(sa.Column('match_text', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('quizzes') as batch:
        batch.add_column(sa.Column('review_score', sa.String(length=16), nullable=False, server_default='immediately'))
        batch.add_column(sa.Column('review_correctness', sa.String(length=16), nullable=False,
                                   server_default='immediately'))
        batch.add_column(sa.Column('review_right_answers', sa.String(length=16), nullable=False,
                                   server_default='when_finished'))
        batch.add_column(sa.Column('review_feedback', sa.String(length=16), nullable=False,
                                   server_default='when_finished'))
    if sqlite:
        _edit_sqlite_schema('questions', [(OLD_KINDS, NEW_KINDS)])
        _edit_sqlite_schema('quiz_attempts', [('points_earned INTEGER', 'points_earned FLOAT'),
                                              ('points_possible INTEGER', 'points_possible FLOAT')])
    else:
        op.drop_constraint(op.f('ck_questions_kind'), 'questions', type_='check')
        op.create_check_constraint(op.f('ck_questions_kind'), 'questions', sa.text(NEW_KINDS))
        with op.batch_alter_table('quiz_attempts') as batch:
            batch.alter_column('points_earned', existing_type=sa.Integer(), type_=sa.Float(), existing_nullable=True)
            batch.alter_column('points_possible', existing_type=sa.Integer(), type_=sa.Float(),
                               existing_nullable=True)
    with op.batch_alter_table('attempt_answers') as batch:
        batch.alter_column('points', existing_type=sa.Integer(), type_=sa.Float(), existing_nullable=False)
        batch.add_column(sa.Column('response', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('fraction', sa.Float(), nullable=True))
        batch.add_column(sa.Column('state', sa.String(length=16), nullable=False, server_default='graded'))
        batch.create_check_constraint(op.f('ck_attempt_answers_state'), "state IN ('graded', 'awaiting_grading')")
    answers = sa.table('attempt_answers', sa.column('is_correct', sa.Boolean), sa.column('fraction', sa.Float))
    op.execute(answers.update().values(fraction=sa.case((answers.c.is_correct.is_(True), 1.0), else_=0.0)))
    _convert_layouts(_tokenised, old_format=True)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    bind = op.get_bind()
    # Rows the old schema cannot hold: questions of the new kinds (with their
    # answers), and fractional points rounded down.
    new_kinds = ('short_answer', 'numerical', 'matching', 'essay')
    questions = sa.table('questions', sa.column('id', sa.Integer), sa.column('kind', sa.String))
    bind.execute(questions.delete().where(questions.c.kind.in_(new_kinds)))
    _convert_layouts(_plain, old_format=False)
    with op.batch_alter_table('attempt_answers') as batch:
        batch.drop_constraint(op.f('ck_attempt_answers_state'), type_='check')
        batch.drop_column('state')
        batch.drop_column('fraction')
        batch.drop_column('response')
        batch.alter_column('points', existing_type=sa.Float(), type_=sa.Integer(), existing_nullable=False)
    attempts = sa.table('quiz_attempts', sa.column('points_earned', sa.Float), sa.column('points_possible', sa.Float))
    bind.execute(attempts.update().values(points_earned=sa.cast(attempts.c.points_earned, sa.Integer),
                                          points_possible=sa.cast(attempts.c.points_possible, sa.Integer)))
    if sqlite:
        _edit_sqlite_schema('quiz_attempts', [('points_earned FLOAT', 'points_earned INTEGER'),
                                              ('points_possible FLOAT', 'points_possible INTEGER')])
        _edit_sqlite_schema('questions', [(NEW_KINDS, OLD_KINDS)])
        # ALTER TABLE ... DROP COLUMN (SQLite 3.35+) drops in place; batch mode would rebuild the
        # tables, and their foreign keys would cascade.
        for table, columns in (('quizzes', ('review_feedback', 'review_right_answers', 'review_correctness',
                                            'review_score')),
                               ('question_options', ('match_text', 'max_value', 'min_value', 'weight')),
                               ('questions', ('max_chars', 'units', 'title'))):
            for column in columns:
                bind.exec_driver_sql(f'ALTER TABLE {table} DROP COLUMN {column}')
        return
    with op.batch_alter_table('quiz_attempts') as batch:
        batch.alter_column('points_earned', existing_type=sa.Float(), type_=sa.Integer(), existing_nullable=True)
        batch.alter_column('points_possible', existing_type=sa.Float(), type_=sa.Integer(), existing_nullable=True)
    op.drop_constraint(op.f('ck_questions_kind'), 'questions', type_='check')
    op.create_check_constraint(op.f('ck_questions_kind'), 'questions', sa.text(OLD_KINDS))
    with op.batch_alter_table('quizzes') as batch:
        for column in ('review_feedback', 'review_right_answers', 'review_correctness', 'review_score'):
            batch.drop_column(column)
    with op.batch_alter_table('question_options') as batch:
        for column in ('match_text', 'max_value', 'min_value', 'weight'):
            batch.drop_column(column)
    with op.batch_alter_table('questions') as batch:
        for column in ('max_chars', 'units', 'title'):
            batch.drop_column(column)
