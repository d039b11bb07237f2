"""Attempt limits and grading hold when requests race (security.md E)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from lms.learn import services as learning
from lms.learn.models import AttemptAnswer, CourseCompletion, QuizAttempt
from tests.builders import by_token, correct_answers, make_course, make_user

pytestmark = pytest.mark.slow

PARALLEL = 20


def _race(app, work):
    """Run `work(session)` in PARALLEL threads released at once, each with its own
    write session (as separate requests would have); return outcomes."""
    database = app.extensions["lms_db"]
    barrier = threading.Barrier(PARALLEL)
    outcomes: list[object] = []
    lock = threading.Lock()

    def run():
        session = database.session(write=True)
        try:
            barrier.wait()
            result = work(session)
            session.commit()
            outcome: object = result
        except Exception as exc:  # each thread's outcome is what we assert on
            session.rollback()
            outcome = exc
        finally:
            session.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_parallel_starts_with_a_limit_of_one_give_exactly_one_attempt(app, db, now):
    learner = make_user(db)
    course = make_course(db, attempts=1)
    learning.enrol(db, user_id=learner.id, course=course, now=now)
    db.commit()
    quiz_id, user_id = course.quiz.id, learner.id

    def start(session):
        from lms.courses.models import Quiz

        return learning.start_attempt(session, user_id=user_id, quiz=session.get(Quiz, quiz_id), now=now).id

    outcomes = _race(app, start)
    attempt_ids = {o for o in outcomes if isinstance(o, int)}
    assert len(attempt_ids) == 1, outcomes
    assert all(isinstance(o, int | learning.NoAttemptsLeft) for o in outcomes), outcomes
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_parallel_submissions_of_one_attempt_give_one_grade_and_one_completion(app, db, now):
    learner = make_user(db)
    course = make_course(db, lessons=1)
    learning.enrol(db, user_id=learner.id, course=course, now=now)
    learning.complete_lesson(db, user_id=learner.id, lesson=course.lessons[0], now=now)
    attempt = learning.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=now)
    answers = by_token(attempt.layout, correct_answers(course))
    db.commit()
    attempt_id, user_id = attempt.id, learner.id

    def submit(session):
        return learning.submit_attempt(session, user_id=user_id, attempt_id=attempt_id, raw_answers=answers, now=now).attempt.score

    outcomes = _race(app, submit)
    grades = [o for o in outcomes if isinstance(o, float)]
    assert grades == [100.0], outcomes
    assert all(isinstance(o, float | learning.AttemptClosed) for o in outcomes), outcomes
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(AttemptAnswer)) == 3
    assert db.scalar(select(func.count()).select_from(CourseCompletion)) == 1


def test_parallel_lesson_completions_are_harmless(app, db, now):
    learner = make_user(db)
    course = make_course(db, lessons=1, quiz=False)
    learning.enrol(db, user_id=learner.id, course=course, now=now)
    db.commit()
    lesson_id, user_id = course.lessons[0].id, learner.id

    def complete(session):
        from lms.courses.models import Lesson

        return learning.complete_lesson(session, user_id=user_id, lesson=session.get(Lesson, lesson_id), now=now)

    outcomes = _race(app, complete)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    db.expire_all()
    assert outcomes.count(True) == 1  # exactly one of them recorded the course completion
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(CourseCompletion)) == 1
