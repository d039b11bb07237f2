"""What happens when things break: a worker killed mid-submission, and a
database that does not answer (security.md F)."""
from __future__ import annotations

import os
import select as io_select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms import create_app
from lms.learn import services as learning
from lms.learn.models import AttemptAnswer, CourseCompletion, QuizAttempt
from tests.builders import PASSWORD, by_token, correct_answers, make_course, make_user

ROOT = Path(__file__).resolve().parents[2]
WORKER_TIMEOUT = 60  # seconds for the worker to start and grade (it takes about one)

KILLED_WORKER = textwrap.dedent("""
    import sys, time
    from lms import create_app
    from lms.learn import services as learning
    url, user_id, attempt_id, answers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), eval(sys.argv[4])
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "ENVIRON": {"LMS_SECRET_KEY": "x"}})
    session = app.extensions["lms_db"].session(write=True)
    from tests.builders import NOW
    learning.submit_attempt(session, user_id=user_id, attempt_id=attempt_id, raw_answers=answers, now=NOW)
    session.flush()  # every row of the grade is written, not committed
    print("GRADED", flush=True)
    time.sleep(120)
""")


def _first_line(stream, *, timeout: float) -> str:
    """The first line a subprocess prints, or what it printed until `timeout`
    seconds passed: every wait has a bound, so a worker that hangs fails the
    test instead of holding up the run."""
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0 or not io_select.select([stream], [], [], left)[0]:
            break
        chunk = os.read(stream.fileno(), 4096)
        if not chunk:  # the worker exited
            break
        data += chunk
    return data.decode(errors="replace").partition("\n")[0]


@pytest.mark.slow
def test_worker_killed_mid_submission_leaves_no_partial_rows(app, db, client, now, database_url):
    learner = make_user(db)
    course = make_course(db, lessons=1)
    learning.enrol(db, user_id=learner.id, course=course, now=now)
    learning.complete_lesson(db, user_id=learner.id, lesson=course.lessons[0], now=now)
    attempt = learning.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=now)
    answers = by_token(attempt.layout, correct_answers(course))
    db.commit()
    attempt_id = attempt.id

    worker = subprocess.Popen([sys.executable, "-c", KILLED_WORKER, database_url, str(learner.id), str(attempt_id), repr(answers)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        line = _first_line(worker.stdout, timeout=WORKER_TIMEOUT)
    finally:
        worker.send_signal(signal.SIGKILL)
        _out, errors = worker.communicate(timeout=30)
    assert line.strip() == "GRADED", errors
    assert worker.returncode == -signal.SIGKILL

    db.expire_all()
    assert db.get(QuizAttempt, attempt_id).submitted_at is None
    assert db.scalar(select(func.count()).select_from(AttemptAnswer)) == 0
    assert db.scalar(select(func.count()).select_from(CourseCompletion)) == 0
    db.rollback()

    # The next request succeeds: the learner submits again and the course completes.
    assert client.post("/auth/login", data={"username": learner.username, "password": PASSWORD}).status_code == 302
    form = {f"q-{token}": opts for token, opts in answers.items()}
    response = client.post(f"/attempts/{attempt_id}", data=form)
    assert response.status_code == 302
    db.rollback()  # end this session's read snapshot
    assert db.get(QuizAttempt, attempt_id).score == 100.0
    assert db.scalar(select(func.count()).select_from(CourseCompletion)) == 1


@pytest.mark.parametrize("path", ["/", "/courses/ANY", "/healthz", "/api/v1/courses"])
def test_unreachable_database_answers_503_without_traceback(tmp_path, path):
    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    app = create_app({"TESTING": False, "DATABASE_URL": unreachable, "SECRET_KEY": "x",
                      "ENVIRON": {"LMS_SECRET_KEY": "x"}})
    response = app.test_client().get(path)
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "psycopg" not in body and "OperationalError" not in body
