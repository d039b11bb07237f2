"""A course with two enrolled learners (the asker has an e-mail address), one
learner who is not enrolled, an author, a trainer, a manager and an
administrator; `client_for(name)` is a test client signed in as one of them."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from lms.discussion.models import DiscussionQuestion
from lms.learn import services as learn
from tests import builders
from tests.builders import NOW
from tests.web.helpers import login

PEOPLE = {
    "asker": ("learner",), "peer": ("learner",), "outsider": ("learner",), "author": ("author",),
    "trainer": ("trainer",), "manager": ("manager",), "admin": ("admin",),
}


@dataclass
class QA:
    code: str = "Q-101"
    course_id: int = 0
    users: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def qa(build) -> QA:
    def create(session) -> QA:
        world = QA()
        course = builders.make_course(session, world.code, lessons=1)
        world.course_id = course.id
        for name, roles in PEOPLE.items():
            user = builders.make_user(session, username=name, roles=roles, language="en",
                                      staff_category="professional" if name != "asker" else "staff")
            user.email = f"{name}@example.org"
            world.users[name] = user.id
            if name in ("asker", "peer"):
                learn.enrol(session, user_id=user.id, course=course, now=NOW)
        return world

    return build(create)


@pytest.fixture
def client_for(app):
    clients: dict[str, object] = {}

    def get(name: str):
        if name not in clients:
            client = app.test_client()
            assert login(client, name).status_code == 302
            clients[name] = client
        return clients[name]

    return get


def question_ids(query, course_id: int) -> list[int]:
    return query(lambda s: list(s.scalars(select(DiscussionQuestion.id).where(DiscussionQuestion.course_id == course_id)
                                          .order_by(DiscussionQuestion.id))))
