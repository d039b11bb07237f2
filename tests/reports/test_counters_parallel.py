"""Two completions of one learner counted at the same moment (PostgreSQL,
where writers run in parallel): the second waits for the first's lock on the
learner's counted state, by mode too, and the counters equal a rebuild."""
from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import update

from lms.courses.models import CourseVersion
from lms.learn import services as learning
from lms.learn.models import Enrolment
from lms.reports import counters
from tests.builders import make_course, make_user
from tests.reports.conftest import unit
from tests.reports.test_counters import snapshot


def test_two_completions_of_one_learner_in_parallel_count_once_each(app, db, is_postgres, monkeypatch):
    if not is_postgres:
        pytest.skip("writers run in parallel on PostgreSQL only")
    root = unit(db, "N", "national")
    u = make_user(db, username="m0", org_unit_id=root.id)
    a = make_course(db, "A-1", lessons=1, quiz=False)
    b = make_course(db, "B-1", lessons=1, quiz=False)
    db.execute(update(CourseVersion).values(delivery_mode="classroom"))
    for c in (a, b):
        learning.enrol(db, user_id=u.id, course=c, now=datetime(2026, 3, 1))
    db.commit()
    ids = (u.id, a.id, b.id)
    barrier = threading.Barrier(2, timeout=10)
    original = counters._sync

    def slow_sync(session, user_id, **kw):
        if kw.get("new_completion_course_id"):
            barrier.wait()  # both completions inserted, neither counted yet
        return original(session, user_id, **kw)

    monkeypatch.setattr(counters, "_sync", slow_sync)
    errors = []

    def run(course_id, at):
        try:
            with app.extensions["lms_db"].transaction() as s:
                e = s.query(Enrolment).filter_by(user_id=ids[0], course_id=course_id).one()
                for lesson in s.get(CourseVersion, e.version_id).lessons:
                    learning.complete_lesson(s, user_id=ids[0], lesson=lesson, now=at)
        except Exception as exc:  # noqa: BLE001 - any error is a failure, reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(ids[1], datetime(2026, 5, 1, 9))),
               threading.Thread(target=run, args=(ids[2], datetime(2026, 4, 1, 9)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    monkeypatch.setattr(counters, "_sync", original)
    inc = snapshot(db)
    counters.rebuild(db)
    db.flush()
    assert snapshot(db) == inc
    db.rollback()
