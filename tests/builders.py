"""Builders for test data: they flush, never commit."""
from __future__ import annotations

import functools
import textwrap
from datetime import datetime

from sqlalchemy.orm import Session

from content import load_package_from_files
from lms.auth.passwords import hash_password
from lms.auth.services import create_user, start_login_session
from lms.courses.services import import_course

PASSWORD = "correct horse battery"
NOW = datetime(2026, 3, 2, 9, 0, 0)

_counter = iter(range(1, 10**9))


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # scrypt is slow on purpose: hash the shared password once


def make_user(session: Session, *, username: str | None = None, staff_category: str = "staff",
              roles=("learner",), language: str = "zh_CN", org_unit_id: int | None = None,
              status: str = "active", password: str = PASSWORD):
    user = create_user(session, username=username or f"user{next(_counter)}",
                       password=None if password == PASSWORD else password,
                       staff_category=staff_category, roles=roles, language=language,
                       org_unit_id=org_unit_id, status=status, now=NOW, full_name="测试 学员")
    if password == PASSWORD:
        user.password_hash = _password_hash()
    return user


QUIZ_TOML = '''
title = "Check"
pass_mark = {pass_mark}
attempts_allowed = {attempts}
{extra}

[[questions]]
kind = "single"
text = "Minimum contribution years for a monthly pension?"
feedback = "Fifteen years."
[[questions.options]]
text = "10"
feedback = "Too few."
[[questions.options]]
text = "15"
correct = true
feedback = "Right."

[[questions]]
kind = "multiple"
text = "Which are social insurance schemes?"
[[questions.options]]
text = "Pension"
correct = true
[[questions.options]]
text = "Medical"
correct = true
[[questions.options]]
text = "Lottery"

[[questions]]
kind = "true_false"
text = "Contributions are recorded in an individual account."
answer = true
'''


# Every term of reference filled in: a course is submitted for review only then (issue 15).
TERMS = {"objectives": "了解养老保险的基本制度。", "target_publics": "县级经办机构的经办人员。",
         "conditions": "在线自学，约30分钟。", "programme": "两课：制度框架和待遇计算。",
         "supports": "《中华人民共和国社会保险法》。", "final_evaluation": "在线测验，60分及格。"}


def course_files(code: str = "T-101", *, title: str = "养老保险入门", skill_type: str = "social-security",
                 target_level: str = "information", lessons: int = 2, quiz: bool = True, pass_mark: int = 60,
                 attempts: int = 0, audience=("staff",), schemes=("pension",), language: str = "zh_CN",
                 quiz_extra: str = "", lesson_body: str = "养老保险的基本原则：社会统筹与个人账户相结合。",
                 quiz_toml: str | None = None) -> dict[str, bytes]:
    files = {
        "course.toml": textwrap.dedent(f'''
            code = "{code}"
            title = "{title}"
            summary = "面向县级经办人员的入门课程。"
            skill_type = "{skill_type}"
            target_level = "{target_level}"
            language = "{language}"
            schemes = {list(schemes)!r}
            audience = {list(audience)!r}
            [terms]
            objectives = "了解养老保险的基本制度。"
            target_publics = "县级经办机构的经办人员。"
            conditions = "在线自学，约30分钟。"
            programme = "两课：制度框架和待遇计算。"
            supports = "《中华人民共和国社会保险法》。"
            final_evaluation = "在线测验，60分及格。"
        ''').replace("'", '"').encode(),
    }
    for n in range(1, lessons + 1):
        files[f"lessons/{n:02d}-lesson-{n}.md"] = f"# 第{n}课\n\n{lesson_body}\n\n## 小结\n\n第{n}课内容。\n".encode()
    if quiz:
        files["quiz.toml"] = (quiz_toml or QUIZ_TOML).format(pass_mark=pass_mark, attempts=attempts,
                                                              extra=quiz_extra).encode()
    return files


def make_course(session: Session, code: str = "T-101", **kwargs):
    spec = load_package_from_files(course_files(code, **kwargs))
    course = import_course(session, spec, now=NOW).course
    # The live version's lessons and quiz are read-only relationships loaded on
    # first use: load them now, in this transaction, as the tests expect.
    course.lessons, course.quiz  # noqa: B018
    return course


# Every kind of question but true/false (see tests/web/test_web_assessment.py): 6 points.
KINDS_QUIZ_TOML = '''
title = "Kinds"
pass_mark = {pass_mark}
attempts_allowed = {attempts}
{extra}

[[questions]]
kind = "short_answer"
text = "Capital of China?"
feedback = "It has been the capital since 1949."
[[questions.answers]]
text = "北京"
feedback = "Right."
[[questions.answers]]
text = "Peking"
weight = 50
feedback = "The old name."

[[questions]]
kind = "numerical"
text = "The contribution base floor, in yuan?"
units = [{{ unit = "元", multiplier = 1 }}, {{ unit = "万元", multiplier = 0.0001 }}]
[[questions.answers]]
value = 3000
tolerance = 50
feedback = "60 % of 5000."
[[questions.answers]]
other = true
feedback = "Take 60 % of the average wage."

[[questions]]
kind = "matching"
text = "Match each scheme with its name."
distractors = ["生育"]
[[questions.pairs]]
text = "Pension"
match = "养老"
[[questions.pairs]]
text = "Medical"
match = "医疗"

[[questions]]
kind = "single"
text = "Which is best?"
[[questions.options]]
text = "full"
weight = 100
[[questions.options]]
text = "half"
weight = 50
feedback = "Half right."
[[questions.options]]
text = "none"
weight = 0

[[questions]]
kind = "multiple"
text = "Which are social insurance schemes?"
[[questions.options]]
text = "Pension scheme"
weight = 50
[[questions.options]]
text = "Medical scheme"
weight = 50
[[questions.options]]
text = "Lottery"
weight = -100

[[questions]]
kind = "essay"
text = "Describe your bureau."
max_chars = 50
'''


def correct_answers(course) -> dict[int, list[int]]:
    """The option ids that get every question of the course's quiz right (read from the database:
    learners never see these ids; `by_token` turns them into an attempt's answers)."""
    return {q.id: [o.id for o in q.options if o.is_correct] for q in course.quiz.questions}


def wrong_answers(course) -> dict[int, list[int]]:
    """One wrong option id per question."""
    return {q.id: [next(o.id for o in q.options if not o.is_correct)] for q in course.quiz.questions}


def by_token(layout: list, answers: dict[int, list[int]]) -> dict[str, list[str]]:
    """{question id: [option ids]} -> the attempt's answers {question token: [option tokens]}, as
    the quiz form and the API send them (questions not drawn in the attempt are left out)."""
    out = {}
    for entry in layout:
        if entry["q"] in answers:
            tokens = {oid: token for oid, token in entry["o"]}
            out[entry["t"]] = [tokens[oid] for oid in answers[entry["q"]]]
    return out


def form_fields(layout: list, answers: dict[int, list[int]]) -> dict[str, list[str]]:
    """The same, as the quiz form's fields (q-<question token>)."""
    return {f"q-{token}": values for token, values in by_token(layout, answers).items()}


def login_token(session: Session, user) -> str:
    return start_login_session(session, user=user, now=NOW)
