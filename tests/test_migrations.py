"""Migrations: the models and the migrated schema agree, and the chain runs
down to base and back up again."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from lms.migrate import alembic_config, downgrade, upgrade
from lms.models import Base


def schema_differences(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def head_revision(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return "sqlite:///" + str(tmp_path / "migrate.sqlite3")


def test_single_head(sqlite_url):
    heads = ScriptDirectory.from_config(alembic_config(sqlite_url)).get_heads()
    assert len(heads) == 1, f"several migration heads, merge them: {heads}"


def test_upgrade_empty_sqlite_to_head_matches_models(sqlite_url):
    upgrade(sqlite_url)
    assert current_revision(sqlite_url) == head_revision(sqlite_url)
    assert table_names(sqlite_url) == set(Base.metadata.tables)
    assert schema_differences(sqlite_url) == []


def test_downgrade_to_base_and_upgrade_again_on_sqlite(sqlite_url):
    upgrade(sqlite_url)
    downgrade(sqlite_url, "base")
    assert current_revision(sqlite_url) is None
    assert table_names(sqlite_url) == set()
    upgrade(sqlite_url)
    assert current_revision(sqlite_url) == head_revision(sqlite_url)
    assert schema_differences(sqlite_url) == []


def test_migrated_sqlite_enforces_constraints(sqlite_url):
    """Named constraints from the models exist in the migrated database."""
    upgrade(sqlite_url)
    engine = create_engine(sqlite_url)
    try:
        insp = inspect(engine)
        uniques = {tuple(u["column_names"]) for u in insp.get_unique_constraints("enrolments")}
        assert ("user_id", "course_id") in uniques
        uniques = {tuple(u["column_names"]) for u in insp.get_unique_constraints("lesson_completions")}
        assert ("user_id", "lesson_id") in uniques
        uniques = {tuple(u["column_names"]) for u in insp.get_unique_constraints("quiz_attempts")}
        assert ("user_id", "quiz_id", "number") in uniques
        fks = {(fk["referred_table"], tuple(fk["constrained_columns"])) for fk in insp.get_foreign_keys("lesson_completions")}
        assert ("lessons", ("lesson_id",)) in fks and ("users", ("user_id",)) in fks
    finally:
        engine.dispose()


def test_postgresql_schema_matches_models(database_url, is_postgres):
    """With LMS_DATABASE_URL on PostgreSQL, the test database (migrated to head
    by conftest) must match the models too; on SQLite the same check runs on
    the session database."""
    assert current_revision(database_url) == head_revision(database_url)
    assert schema_differences(database_url) == []


def test_postgresql_downgrade_and_upgrade(database_url, is_postgres):
    """On PostgreSQL, round-trip the chain in a scratch database next to the
    test database (the test database itself is left untouched)."""
    if not is_postgres:
        # The SQLite round trip is covered above; nothing dialect-specific to add here.
        assert database_url.startswith("sqlite")
        return
    url = make_url(database_url)
    scratch = f"lms_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{scratch}"'))
        scratch_url = url.set(database=scratch).render_as_string(hide_password=False)
        upgrade(scratch_url)
        assert schema_differences(scratch_url) == []
        downgrade(scratch_url, "base")
        assert table_names(scratch_url) == set()
        upgrade(scratch_url)
        assert current_revision(scratch_url) == head_revision(scratch_url)
        assert schema_differences(scratch_url) == []
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


def test_migrating_down_and_up_keeps_every_training_record_on_sqlite(sqlite_url):
    """SQLite rebuilds a table to alter it; with foreign keys on that would empty
    every table whose rows cascade from it. Records must survive every revision."""
    from lms import create_app
    from lms.learn import services as learning
    from tests.builders import NOW, make_course, make_user

    upgrade(sqlite_url)
    app = create_app({"TESTING": True, "DATABASE_URL": sqlite_url, "SECRET_KEY": "x",
                      "ENVIRON": {"LMS_DATABASE_URL": sqlite_url, "LMS_SECRET_KEY": "x"}})
    with app.extensions["lms_db"].transaction() as session:
        user = make_user(session, username="kept")
        course = make_course(session, "KEEP-1")
        learning.enrol(session, user_id=user.id, course=course, now=NOW)
        learning.complete_lesson(session, user_id=user.id, lesson=course.lessons[0], now=NOW)
    app.extensions["lms_db"].dispose()
    tables = ("users", "courses", "course_versions", "lessons", "quizzes", "questions", "question_options",
              "enrolments", "lesson_completions")

    def counts():
        engine = create_engine(sqlite_url)
        try:
            with engine.connect() as conn:
                return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}
        finally:
            engine.dispose()

    before = counts()
    assert all(before.values()), before
    downgrade(sqlite_url, "0004")
    assert counts() == before
    upgrade(sqlite_url)
    assert counts() == before
    engine = create_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
    finally:
        engine.dispose()
