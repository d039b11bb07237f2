"""Fixtures for tests through the Flask test client.

Data is built in its own committed transaction (never through the `db`
fixture: on SQLite its open write transaction would lock out the requests)."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from lms.learn import services as learn
from tests import builders
from tests.builders import NOW


@dataclass
class CourseInfo:
    code: str
    id: int
    lesson_slugs: list[str]
    correct: dict[int, list[int]] = field(default_factory=dict)   # question id -> correct option ids
    wrong: dict[int, list[int]] = field(default_factory=dict)     # question id -> one wrong option id


@pytest.fixture
def make_user(build):
    def make(**kwargs) -> str:
        return build(lambda s: builders.make_user(s, **kwargs).username)

    return make


@pytest.fixture
def make_course(build):
    def make(code: str = "T-101", **kwargs) -> CourseInfo:
        def create(session):
            course = builders.make_course(session, code, **kwargs)
            info = CourseInfo(code=course.code, id=course.id, lesson_slugs=[ls.slug for ls in course.lessons])
            if course.quiz is not None:
                info.correct = builders.correct_answers(course)
                info.wrong = builders.wrong_answers(course)
            return info

        return build(create)

    return make


@pytest.fixture
def enrol(build):
    def run(username: str, code: str) -> None:
        from sqlalchemy import select

        from lms.auth.models import User
        from lms.courses.models import Course

        def do(session):
            user = session.scalar(select(User).where(User.username == username))
            course = session.scalar(select(Course).where(Course.code == code))
            learn.enrol(session, user_id=user.id, course=course, now=NOW)

        build(do)

    return run
