"""Revision 0006 (assessment) on a database holding attempts: nothing is lost on
the way down and back up, old layouts get per-attempt tokens, and the attempts
keep grading and displaying (SQLite: the referenced tables are never rebuilt,
which would empty the tables whose foreign keys cascade from them)."""
from __future__ import annotations

import json
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from lms import create_app
from lms.learn import services as learning
from lms.learn.models import AttemptAnswer, QuizAttempt
from lms.migrate import downgrade, upgrade
from tests.builders import NOW, PASSWORD, by_token, correct_answers, make_course, make_user, wrong_answers
from tests.web.helpers import login
from tests.web.helpers import text as page_text

TABLES = ("courses", "course_versions", "lessons", "quizzes", "questions", "question_options", "quiz_attempts",
          "attempt_answers", "enrolments")


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
    finally:
        engine.dispose()


def raw_layouts(url: str) -> dict[int, list]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {i: json.loads(layout) if isinstance(layout, str) else layout
                    for i, layout in conn.execute(text("SELECT id, layout FROM quiz_attempts"))}
    finally:
        engine.dispose()


@contextmanager
def reading(url: str):
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request, tmp_path, database_url, is_postgres):
    """An empty database of its own: a SQLite file, or (with LMS_DATABASE_URL on
    PostgreSQL) a scratch database next to the test database."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "assessment.sqlite3")
        return
    if not is_postgres:
        pytest.skip("LMS_DATABASE_URL is not PostgreSQL")
    url = make_url(database_url)
    name = f"lms_0006_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_old_attempts_survive_0006_and_keep_grading_and_displaying(scratch_url, tmp_path):
    sqlite_url = scratch_url
    upgrade(sqlite_url)
    app = create_app({"DATABASE_URL": sqlite_url, "SECRET_KEY": "x", "ENVIRON": {"LMS_SECRET_KEY": "x"},
                      "MEDIA_FOLDER": str(tmp_path / "media"), "WTF_CSRF_ENABLED": False, "NOW": lambda: NOW})
    with app.extensions["lms_db"].transaction() as session:
        learner = make_user(session, username="old-learner", language="en")
        course = make_course(session, "MIG-1", lessons=1)
        learning.enrol(session, user_id=learner.id, course=course, now=NOW)
        first = learning.start_attempt(session, user_id=learner.id, quiz=course.quiz, now=NOW)
        learning.submit_attempt(session, user_id=learner.id, attempt_id=first.id,
                                raw_answers=by_token(first.layout, wrong_answers(course)), now=NOW)
        second = learning.start_attempt(session, user_id=learner.id, quiz=course.quiz, now=NOW)
        ids = {"first": first.id, "second": second.id, "right": correct_answers(course)}
    before = counts(sqlite_url)

    # Down to the schema before assessment: layouts of ids only, whole points.
    downgrade(sqlite_url, "0005")
    assert counts(sqlite_url) == before
    old = raw_layouts(sqlite_url)
    assert all(isinstance(entry, list) and isinstance(entry[1], list) for layout in old.values() for entry in layout)

    upgrade(sqlite_url)
    assert counts(sqlite_url) == before
    new = raw_layouts(sqlite_url)
    for attempt_id, layout in new.items():
        assert [(e["q"], [oid for oid, _t in e["o"]]) for e in layout] == [(q, o) for q, o in old[attempt_id]]
        tokens = [e["t"] for e in layout] + [t for e in layout for _oid, t in e["o"]]
        assert len(set(tokens)) == len(tokens) and all(len(t) == 12 for t in tokens)

    with reading(sqlite_url) as session:
        fractions = session.execute(select(AttemptAnswer.is_correct, AttemptAnswer.fraction)).all()
        assert fractions and all(f == (1.0 if right else 0.0) for right, f in fractions)
        assert session.scalar(select(func.count()).select_from(AttemptAnswer)
                              .where(AttemptAnswer.state == "graded")) == len(fractions)

    # The submitted attempt displays; the open one is answered with its new tokens and graded.
    client = app.test_client()
    assert login(client, "old-learner", PASSWORD).status_code == 302
    result = page_text(client.get(f"/attempts/{ids['first']}"))
    assert "Score: 0.0% (0 of 3 points)" in result and "Not passed" in result
    form = page_text(client.get(f"/attempts/{ids['second']}"))
    layout = new[ids["second"]]
    assert all(f'name="q-{e["t"]}"' in form for e in layout)
    answers = {f"q-{token}": values for token, values in by_token(layout, ids["right"]).items()}
    assert client.post(f"/attempts/{ids['second']}", data=answers).status_code == 302
    with reading(sqlite_url) as session:
        graded = session.get(QuizAttempt, ids["second"])
        assert (graded.score, graded.passed, graded.points_earned) == (100.0, True, 3.0)
