"""Starter content and demo (issue 15, item 7): the starter courses whose texts
prescribe on-the-job work, a manager's evaluation or a classroom workshop carry
them as tasks, an evaluation and completion rules; the English twins match
their Chinese originals; the texts say what the rules require; and the demo of
`make run` has an upcoming session, run by the trainer, for every course that
requires sessions, which a demo learner sees with the course's task.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from content import load_package
from content.spec import CompletionSpec
from lms.auth.models import User
from lms.classroom.demo import DEMO_SESSIONS, create_demo_sessions
from lms.classroom.models import ClassroomSession
from lms.courses.models import Course
from lms.courses.services import import_course
from lms.demo import DEMO_PASSWORD, create_demo
from tests.builders import NOW
from tests.web.helpers import login, text

COURSES = Path(__file__).resolve().parent.parent / "courses"
PACKAGES = sorted(p.parent for p in COURSES.glob("*/course.toml"))

# package -> (task slugs, evaluation max score, sessions required)
BLENDED = {
    "tr-counter-service": (("reception-practice",), 20, 1),
    "ss-fraud-detection": (("rule-evaluation",), 20, 0),
    "tr-bureau-management": (("current-state", "improvement-report"), 20, 0),
}
TWINS = {"en-tr-counter-service": "tr-counter-service", "en-ss-fraud-detection": "ss-fraud-detection"}


@pytest.mark.parametrize("name", [*BLENDED, *TWINS], ids=str)
def test_the_course_carries_the_activities_its_text_describes(name: str) -> None:
    spec = load_package(COURSES / name)
    slugs, max_score, sessions = BLENDED[TWINS.get(name, name)]
    assert tuple(task.slug for task in spec.tasks) == slugs
    assert all(task.title and task.instructions_md for task in spec.tasks)
    assert spec.evaluation is not None and spec.evaluation.max_score == max_score
    assert spec.completion == CompletionSpec(sessions=sessions)
    terms = spec.terms
    if spec.language == "zh_CN":
        assert "在平台上提交" in terms.conditions and f"总分{max_score}分" in terms.final_evaluation
        assert "完成课程还需要" in terms.final_evaluation
    else:
        assert "on the platform" in terms.conditions and f"{max_score} points" in terms.final_evaluation
        assert "To complete the course" in terms.final_evaluation


@pytest.mark.parametrize("name", TWINS, ids=str)
def test_a_twin_has_the_same_activities_as_its_original(name: str) -> None:
    twin, original = load_package(COURSES / name), load_package(COURSES / TWINS[name])
    assert [t.slug for t in twin.tasks] == [t.slug for t in original.tasks]
    assert twin.completion == original.completion
    assert twin.evaluation is not None and original.evaluation is not None
    assert twin.evaluation.max_score == original.evaluation.max_score


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_the_conditions_promise_a_classroom_session_only_when_one_is_required(package: Path) -> None:
    spec = load_package(package)
    word = "面授" if spec.language == "zh_CN" else "classroom"
    assert (word in spec.terms.conditions) == (spec.completion.sessions > 0)
    if spec.completion.sessions:  # the demo schedules its sessions
        assert spec.code in {demo.course for demo in DEMO_SESSIONS}


def test_the_demo_has_an_upcoming_session_for_every_course_requiring_sessions(app, build, client) -> None:
    app.config["NOW"] = lambda: NOW
    specs = [load_package(p) for p in PACKAGES]
    for spec in specs:
        build(lambda s, spec=spec: import_course(s, spec, now=NOW))
    build(lambda s: create_demo(s, now=NOW))
    assert len(build(lambda s: create_demo_sessions(s, now=NOW))) == len(DEMO_SESSIONS)
    assert build(lambda s: create_demo_sessions(s, now=NOW)) == []  # once

    def upcoming(s, code):
        return s.scalars(select(ClassroomSession).join(Course).join(User, User.id == ClassroomSession.trainer_id)
                         .where(Course.code == code, ClassroomSession.starts_at > NOW,
                                ClassroomSession.status == "scheduled", User.username == "trainer")).all()

    requiring = [spec.code for spec in specs if spec.completion.sessions]
    assert set(requiring) >= {"TR-SVC-201", "TR-SVC-201-EN"}
    for code in requiring:
        assert len(build(lambda s, code=code: upcoming(s, code))) == 1, code

    # A demo learner booked on the workshop sees it on the course page, and the course's task.
    assert login(client, "staff", DEMO_PASSWORD).status_code == 302
    page = text(client.get("/courses/TR-SVC-201"))
    assert "窗口服务情景演练（第一期）" in page and "窗口服务现场评定" in page
    tasks = text(client.get("/courses/TR-SVC-201/tasks"))
    assert "岗位实践：5次接待记录" in tasks and "至少处理5次实际接待" in tasks

    # A month later the sessions are over: `make run` schedules new ones.
    later = NOW.replace(month=NOW.month + 1)
    assert len(build(lambda s: create_demo_sessions(s, now=later))) == len(DEMO_SESSIONS)
