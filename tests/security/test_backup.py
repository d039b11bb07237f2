"""`flask lms backup` then a restore into an empty database gives the same rows."""
from __future__ import annotations

import shutil
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from lms.backup import restore
from lms.learn import services as learning
from lms.migrate import upgrade
from lms.models import Base
from tests.builders import make_course, make_user
from tests.conftest import skip_or_fail


def _row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {t.name: conn.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
    engine.dispose()
    return counts


@pytest.fixture
def empty_database(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        skip_or_fail("pg_dump/pg_restore not installed")
    name = f"lms_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield str(make_url(database_url).set(database=name).render_as_string(hide_password=False))
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_backup_and_restore_keep_every_row(app, db, now, database_url, empty_database, tmp_path):
    learner = make_user(db)
    course = make_course(db)
    learning.enrol(db, user_id=learner.id, course=course, now=now)
    learning.complete_lesson(db, user_id=learner.id, lesson=course.lessons[0], now=now)
    db.commit()
    before = _row_counts(database_url)
    assert before["users"] == 1 and before["lesson_completions"] == 1 and before["questions"] == 3

    output = tmp_path / "backup.file"
    result = app.test_cli_runner().invoke(args=["lms", "backup", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert output.stat().st_size > 0

    if empty_database.startswith("sqlite"):
        restore(empty_database, output)
    else:
        upgrade(empty_database)  # pg_restore --clean replaces the tables
        restore(empty_database, output)
    assert _row_counts(empty_database) == before


def test_backup_of_unreachable_target_reports_cleanly(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["lms", "restore", "--yes", str(tmp_path / "missing")])
    assert result.exit_code != 0
