"""A certificate is issued exactly once when requests race: parallel
completions of the last lesson, parallel issues and parallel backfills."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from lms.certificates import services
from lms.certificates.models import Certificate
from lms.courses.models import Course, Lesson
from lms.learn import services as learning
from lms.learn.models import CourseCompletion
from tests.builders import NOW
from tests.certificates.conftest import complete
from tests.security.test_quiz_concurrency import _race

pytestmark = pytest.mark.slow


def _count(query, model) -> int:
    return query(lambda s: s.scalar(select(func.count()).select_from(model)))


def test_parallel_completions_of_the_last_lesson_give_one_certificate(app, build, query, world):
    user_id, course_id, lesson_id = world.users["learner"], world.course_id, world.lesson_id
    build(lambda s: learning.enrol(s, user_id=user_id, course=s.get(Course, course_id), now=NOW))

    outcomes = _race(app, lambda s: learning.complete_lesson(s, user_id=user_id, lesson=s.get(Lesson, lesson_id), now=NOW))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert outcomes.count(True) == 1
    assert _count(query, CourseCompletion) == 1 and _count(query, Certificate) == 1


def test_parallel_issues_give_one_certificate(app, build, query, world):
    user_id, course_id = world.users["learner"], world.course_id
    build(lambda s: complete(s, user_id, course_id))
    build(lambda s: s.execute(delete(Certificate)))

    outcomes = _race(app, lambda s: services.issue_course_certificate(s, user_id=user_id, course_id=course_id, now=NOW))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len([o for o in outcomes if isinstance(o, Certificate)]) == 1
    assert _count(query, Certificate) == 1


def test_parallel_backfills_give_one_certificate_per_completion(app, build, query, world):
    build(lambda s: complete(s, world.users["learner"], world.course_id))
    build(lambda s: complete(s, world.users["other"], world.course_id))
    build(lambda s: s.execute(delete(Certificate)))

    outcomes = _race(app, lambda s: services.issue_missing_certificates(s, now=NOW))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(outcomes) == 2
    assert _count(query, Certificate) == 2
