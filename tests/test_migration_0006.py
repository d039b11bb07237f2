"""Revision 0006 (assessment) on a database holding attempts: nothing is lost on
the way down and back up, old layouts get per-attempt tokens, and the attempts
keep grading and displaying (SQLite: the referenced tables are never rebuilt,
which would empty the tables whose foreign keys cascade from them)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, func, select, text
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


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return "sqlite:///" + str(tmp_path / "assessment.sqlite3")


def test_old_attempts_survive_0006_and_keep_grading_and_displaying(sqlite_url, tmp_path):
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

    with Session(create_engine(sqlite_url)) as session:
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
    with Session(create_engine(sqlite_url)) as session:
        graded = session.get(QuizAttempt, ids["second"])
        assert (graded.score, graded.passed, graded.points_earned) == (100.0, True, 3.0)
