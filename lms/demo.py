"""Demo org units and accounts for `make run` (listed in the README)."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User, UserRole
from lms.auth.services import create_user
from lms.certificates.services import issue_missing_certificates
from lms.courses.models import Course
from lms.evaluations import recorded
from lms.learn import services as learning
from lms.learn.models import CourseCompletion
from lms.orgs.models import Headcount, OrgUnit
from lms.orgs.scope import Scope
from lms.zones import local_date

DEMO_PASSWORD = "learn-at-sscbc-2026"  # nosec B105 - the demo accounts' published password (README)

# code, parent code, name, level, kind, headcounts (manager, professional, staff, correspondent)
ORG_UNITS = [
    ("CN", None, "社会保障能力建设中心（全国）", "national", "social_insurance", (40, 60, 120, 0)),
    ("JS", "CN", "江苏省社会保险事业管理中心", "province", "social_insurance", (120, 260, 900, 0)),
    ("JS-NJ", "JS", "南京市社会保险管理中心", "city", "social_insurance", (45, 90, 400, 0)),
    ("JS-NJ-XW", "JS-NJ", "玄武区社会保险经办处", "district", "social_insurance", (8, 15, 60, 0)),
    ("JS-NJ-LS", "JS-NJ", "溧水区社会保险经办处", "district", "social_insurance", (7, 12, 48, 0)),
    ("JS-NJ-XW-C1", "JS-NJ-XW", "玄武区梅园新村街道社区", "workplace", "community", (0, 0, 0, 25)),
    ("JS-NJ-XW-E1", "JS-NJ-XW", "南京某电子有限公司", "workplace", "company", (0, 0, 0, 6)),
    ("JS-PX", "JS", "江苏省社会保险培训中心", "province", "social_insurance", (0, 0, 0, 0)),  # holds classroom sessions
]

# username, full name, staff category, org unit, roles, language
ACCOUNTS = [
    ("staff", "王小红", "staff", "JS-NJ-XW", ("learner",), "zh_CN"),
    ("correspondent", "李建国", "correspondent", "JS-NJ-XW-E1", ("learner",), "zh_CN"),
    ("professional", "赵会计", "professional", "JS-NJ", ("learner",), "zh_CN"),
    ("manager", "陈主任", "manager", "JS-NJ-LS", ("learner",), "zh_CN"),
    ("author", "周编辑", "professional", "CN", ("learner", "author"), "zh_CN"),
    ("trainer", "孙培训", "manager", "JS", ("learner", "manager", "trainer"), "zh_CN"),
    ("admin", "Administrator", "manager", "CN", ("learner", "admin"), "en"),
]


def create_demo(session: Session, *, now: datetime) -> int:
    units: dict[str, OrgUnit] = {u.code: u for u in session.scalars(select(OrgUnit))}
    for code, parent, name, level, kind, heads in ORG_UNITS:
        if code in units:
            continue
        parent_unit = units.get(parent) if parent else None
        unit = OrgUnit(code=code, name=name, level=level, kind=kind, parent=parent_unit)
        session.add(unit)
        session.flush()
        unit.path = (parent_unit.path if parent_unit else "/") + f"{unit.id}/"
        for category, count in zip(("manager", "professional", "staff", "correspondent"), heads, strict=True):
            session.add(Headcount(org_unit_id=unit.id, staff_category=category, valid_from=date(2026, 1, 1), headcount=count))
        units[code] = unit
    created = 0
    existing = set(session.scalars(select(User.username)))
    for username, full_name, category, unit_code, roles, language in ACCOUNTS:
        if username in existing:
            continue
        create_user(session, username=username, password=DEMO_PASSWORD, staff_category=category,
                    org_unit_id=units[unit_code].id, roles=roles, language=language, full_name=full_name, now=now)
        created += 1
    _give_trainer_role(session)
    complete_demo_course(session, now=now)
    record_demo_training(session, now=now)
    # Demo learners who completed courses hold their certificates.
    issue_missing_certificates(session, now=now)
    return created


def _give_trainer_role(session: Session) -> None:
    """A demo database made before classroom sessions: the trainer account gains its role."""
    trainer = session.scalar(select(User).where(User.username == "trainer"))
    if trainer is not None and "trainer" not in trainer.role_names:
        session.add(UserRole(user_id=trainer.id, role="trainer"))
        session.flush()
        session.expire(trainer)


# The demo learner who has completed a course (and so holds a certificate).
DEMO_COMPLETION = ("staff", "SS-PEN-101")
CHOICE_KINDS = ("single", "multiple", "true_false")


# Training held outside the platform, recorded by the trainer: the correspondent
# attended the counter-service workshop, so coverage shows a classroom completion.
DEMO_RECORD = ("correspondent", "TR-SVC-201", "江苏省社会保险培训中心 3楼多功能厅", "签到表第1号（演示数据）")


def record_demo_training(session: Session, *, now: datetime) -> bool:
    """Once, when the trainer, the person and the published course are there."""
    username, code, place, evidence = DEMO_RECORD
    person = session.scalar(select(User).where(User.username == username))
    trainer = session.scalar(select(User).where(User.username == "trainer"))
    course = session.scalar(select(Course).where(Course.code == code, Course.status == "published"))
    if person is None or trainer is None or course is None or session.scalar(select(CourseCompletion.id).where(
            CourseCompletion.user_id == person.id, CourseCompletion.course_id == course.id)) is not None:
        return False
    today = local_date(now)
    recorded.record_training(session, recorder=trainer, scope=Scope(everything=True), course_code=code,
                             usernames=[username], completed_on=today - timedelta(days=7), place=place,
                             evidence=evidence, now=now, today=today, mode="classroom")
    return True


def complete_demo_course(session: Session, *, now: datetime) -> bool:
    """The demo learner follows the pension course to the end, quiz passed, as
    a learner would (when the course was imported and has only choice questions)."""
    username, code = DEMO_COMPLETION
    user = session.scalar(select(User).where(User.username == username))
    course = session.scalar(select(Course).where(Course.code == code, Course.status == "published"))
    if user is None or course is None or session.scalar(select(CourseCompletion.id).where(
            CourseCompletion.user_id == user.id, CourseCompletion.course_id == course.id)) is not None:
        return False
    quiz = course.quiz
    if quiz is not None and any(q.kind not in CHOICE_KINDS for q in quiz.questions):
        return False
    learning.enrol(session, user_id=user.id, course=course, now=now)
    for lesson in course.lessons:
        learning.complete_lesson(session, user_id=user.id, lesson=lesson, now=now)
    if quiz is not None:
        attempt = learning.start_attempt(session, user_id=user.id, quiz=quiz, now=now, rng=random.Random(2026))  # nosec B311 - demo
        right = {q.id: [o.id for o in q.options if o.is_correct] for q in quiz.questions}
        answers = {}
        for entry in attempt.layout:
            tokens = dict(entry["o"])
            answers[entry["t"]] = [tokens[option_id] for option_id in right[entry["q"]]]
        learning.submit_attempt(session, user_id=user.id, attempt_id=attempt.id, raw_answers=answers, now=now)
    return True
