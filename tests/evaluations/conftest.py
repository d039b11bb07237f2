"""A small world for tasks, evaluations and the queue: city C > workplace W
(the learner), the manager and the trainer of C, and a manager of another
city O who must see none of it."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from lms.learn import services as learning
from lms.orgs.services import create_unit
from tests.builders import NOW, course_files, make_course, make_user

TASKS_TOML = '''
[[tasks]]
slug = "visit"
title = "走访一家参保单位"
'''
TASK_MD = "走访一家参保单位，核对其缴费人员比例，写一份简短报告。\n"
EVALUATION_TOML = '''
[evaluation]
title = "经办实务考核"
instructions = "由学员所在单位的负责人现场考核：独立办理一笔参保登记业务。"
max_score = 20
'''
ESSAY_QUIZ = '''
title = "测验"
pass_mark = {pass_mark}
attempts_allowed = {attempts}
{extra}

[[questions]]
kind = "single"
text = "最低缴费年限？"
[[questions.options]]
text = "10"
[[questions.options]]
text = "15"
correct = true

[[questions]]
kind = "essay"
text = "简述你所在经办机构的参保登记流程。"
'''


def activity_files(code: str, *, tasks: bool = False, evaluation: bool = False, completion: str = "", **kwargs):
    files = course_files(code, **kwargs)
    extra = (TASKS_TOML if tasks else "") + (EVALUATION_TOML if evaluation else "")
    if completion:
        extra += "\n[completion]\n" + completion + "\n"
    files["course.toml"] += extra.encode()
    if tasks:
        files["tasks/visit.md"] = TASK_MD.encode()
    return files


def make_activity_course(db, code: str, **kwargs):
    from content import load_package_from_files
    from lms.courses.services import import_course

    spec = load_package_from_files(activity_files(code, **kwargs))
    course = import_course(db, spec, now=NOW).course
    course.lessons, course.quiz  # noqa: B018
    return course


@dataclass
class World:
    learner: int
    manager: int
    trainer: int
    outsider: int
    other_learner: int
    unit: int


@pytest.fixture
def world(build) -> World:
    def make(s):
        city = create_unit(s, code="C", name="城市", level="city", kind="social_insurance", parent_id=None)
        work = create_unit(s, code="W", name="经办点", level="workplace", kind="social_insurance", parent_id=city.id)
        other = create_unit(s, code="O", name="另一城市", level="city", kind="social_insurance", parent_id=None)
        learner = make_user(s, username="learner", org_unit_id=work.id)
        learner.email = "learner@example.org"
        manager = make_user(s, username="manager", roles=("manager",), staff_category="manager", org_unit_id=city.id)
        manager.email = "manager@example.org"
        trainer = make_user(s, username="trainer", roles=("trainer",), staff_category="professional",
                            org_unit_id=city.id)
        outsider = make_user(s, username="outsider", roles=("manager",), staff_category="manager",
                             org_unit_id=other.id)
        other_learner = make_user(s, username="other", org_unit_id=other.id)
        return World(learner.id, manager.id, trainer.id, outsider.id, other_learner.id, work.id)

    return build(make)


@pytest.fixture
def course(build, world):
    """Course E-1: two lessons, no quiz, a task and an evaluation; the learner is enrolled."""
    def make(s):
        course = make_activity_course(s, "E-1", quiz=False, tasks=True, evaluation=True)
        learning.enrol(s, user_id=world.learner, course=course, now=NOW)
        return course.id

    return build(make)


def do_lessons(build, user_id: int, course_id: int, at=NOW) -> bool:
    """Every lesson of the version the learner follows; True if that completed the course."""
    from lms.courses.models import CourseVersion

    def run(s):
        enrolment = learning.get_enrolment(s, user_id=user_id, course_id=course_id)
        done = False
        for lesson in s.get(CourseVersion, enrolment.version_id).lessons:
            done = learning.complete_lesson(s, user_id=user_id, lesson=lesson, now=at) or done
        return done

    return build(run)


__all__ = ["NOW", "make_course"]
