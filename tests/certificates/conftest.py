"""A small tree and people around one completed course.

    N (national) > P (province) > C1 (city)      the learner (C1), the manager of P
                 > Q (province)                  another learner, the manager of Q
An administrator has no unit. Course CERT-1 (one lesson, no quiz, 90
minutes, certificates valid 365 days) is published; nobody has completed it."""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import pytest

from content import load_package_from_files
from lms.auth.models import User
from lms.auth.services import start_login_session
from lms.courses.models import Course
from lms.courses.services import import_course
from lms.learn import services as learning
from lms.orgs.services import create_unit
from lms.web import utcnow
from tests.builders import NOW, course_files, make_user


def certificate_course_files(code: str = "CERT-1", *, validity: int | None = 365, title: str = "社会保险经办实务") -> dict:
    files = course_files(code, title=title, lessons=1, quiz=False)
    extra = f"certificate_validity_days = {validity}\n" if validity is not None else ""
    files["course.toml"] = files["course.toml"].replace(b"[terms]", f"estimated_minutes = 90\n{extra}[terms]".encode())
    files["lessons/01-lesson-1.md"] = textwrap.dedent("""\
        +++
        title = "第一课"
        estimated_minutes = 90
        +++
        社会保险经办的基本流程。
        """).encode()
    return files


@dataclass
class World:
    units: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    course_id: int = 0
    lesson_id: int = 0


@pytest.fixture
def world(build) -> World:
    def make(session) -> World:
        w = World()
        for code, parent, level in (("N", None, "national"), ("P", "N", "province"), ("C1", "P", "city"),
                                    ("Q", "N", "province")):
            w.units[code] = create_unit(session, code=code, name=f"{code} 社保中心", level=level, kind="social_insurance",
                                        parent_id=w.units[parent] if parent else None).id
        people = {
            "learner": make_user(session, username="learner", org_unit_id=w.units["C1"]),
            "other": make_user(session, username="other", org_unit_id=w.units["Q"]),
            "manager_p": make_user(session, username="manager-p", roles=("manager",), staff_category="manager",
                                   org_unit_id=w.units["P"]),
            "manager_q": make_user(session, username="manager-q", roles=("manager",), staff_category="manager",
                                   org_unit_id=w.units["Q"]),
            "admin": make_user(session, username="admin", roles=("admin",), staff_category="manager"),
        }
        people["learner"].full_name = "王小红"
        people["other"].full_name = "李建国"
        w.users = {k: u.id for k, u in people.items()}
        course = import_course(session, load_package_from_files(certificate_course_files()), now=NOW).course
        w.course_id, w.lesson_id = course.id, course.lessons[0].id
        return w

    return build(make)


def complete(session, user_id: int, course_id: int, when=NOW) -> bool:
    """The learner enrols and does every lesson of the (quiz-less) course."""
    course = session.get(Course, course_id)
    learning.enrol(session, user_id=user_id, course=course, now=when)
    done = False
    for lesson in course.lessons:
        done = learning.complete_lesson(session, user_id=user_id, lesson=lesson, now=when) or done
    return done


def login(app, build, user_id: int):
    client = app.test_client()
    token = build(lambda s: start_login_session(s, user=s.get(User, user_id), now=utcnow()))
    with client.session_transaction() as s:
        s["_user_id"], s["_fresh"], s["seen"] = token, True, int(utcnow().timestamp())
    return client
