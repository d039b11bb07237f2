"""A small world for the xAPI tests: N (national) > P > C1, C2; a learner in C1
and one in C2, a manager of C1, a manager of N, an administrator; a course of two
lessons and a quiz; an API token for each person."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from lms.auth.services import create_api_token
from lms.courses.models import Course, CourseVersion
from lms.learn import services as learning
from lms.orgs.services import create_unit
from lms.xapi.models import XapiStatement
from tests import builders
from tests.builders import NOW, by_token

BASE_URL = "https://lms.example.org"


@dataclass
class World:
    units: dict[str, int]
    users: dict[str, int]
    tokens: dict[str, str]
    course_id: int


@pytest.fixture
def app_config(app_config):
    return {**app_config, "BASE_URL": BASE_URL}


@pytest.fixture
def world(build) -> World:
    def make(s):
        n = create_unit(s, code="N", name="全国", level="national", kind="social_insurance", parent_id=None)
        p = create_unit(s, code="P", name="江苏省", level="province", kind="social_insurance", parent_id=n.id)
        c1 = create_unit(s, code="C1", name="南京市", level="city", kind="social_insurance", parent_id=p.id)
        c2 = create_unit(s, code="C2", name="苏州市", level="city", kind="social_insurance", parent_id=p.id)
        people = {
            "alice": builders.make_user(s, username="alice", org_unit_id=c1.id),
            "bob": builders.make_user(s, username="bob", org_unit_id=c2.id),
            "mgr": builders.make_user(s, username="mgr", roles=("manager",), staff_category="manager",
                                      org_unit_id=c1.id),
            "natmgr": builders.make_user(s, username="natmgr", roles=("manager",), staff_category="manager",
                                         org_unit_id=n.id),
            "admin": builders.make_user(s, username="admin", roles=("admin",), staff_category="manager"),
        }
        course = builders.make_course(s, "T-101", title="养老保险入门", lessons=2)
        tokens = {name: create_api_token(s, user=user, now=NOW, name="t") for name, user in people.items()}
        return World(units={"N": n.id, "P": p.id, "C1": c1.id, "C2": c2.id},
                     users={name: u.id for name, u in people.items()}, tokens=tokens, course_id=course.id)

    return build(make)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def journey(build, user_id: int, course_id: int, *, start: datetime = NOW, fail_first: bool = True) -> None:
    """Enrol, do both lessons, fail the quiz once, then pass it (the course is then completed)."""
    def run(s):
        course = s.get(Course, course_id)
        enrolment = learning.enrol(s, user_id=user_id, course=course, now=start)
        version = s.get(CourseVersion, enrolment.version_id)
        for n, lesson in enumerate(version.lessons, start=1):
            learning.complete_lesson(s, user_id=user_id, lesson=lesson, now=start + timedelta(minutes=n))
        answers = [builders.wrong_answers(course), builders.correct_answers(course)]
        for n, key in enumerate(answers[0 if fail_first else 1:], start=1):
            at = start + timedelta(minutes=10 * n)
            attempt = learning.start_attempt(s, user_id=user_id, quiz=version.quiz, now=at)
            learning.submit_attempt(s, user_id=user_id, attempt_id=attempt.id, raw_answers=by_token(attempt.layout, key),
                                    now=at + timedelta(minutes=1))

    build(run)


def stored(query) -> list[dict]:
    """Every stored statement, oldest first."""
    return query(lambda s: [row.statement for row in s.scalars(select(XapiStatement).order_by(XapiStatement.id))])
