"""The demo classroom sessions of `lms create-demo`: upcoming sessions of
starter courses at the Jiangsu training centre, run by the demo trainer, with
demo learners booked. Each is created once, and again only when the last one
is over (`make run` a month later still has upcoming sessions).

SS-PEN-101 has an optional session; every starter course whose completion
rule requires sessions (TR-SVC-201 and its English twin) has one, so that a
learner of `make run` can complete it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.classroom import services
from lms.classroom.models import ClassroomSession
from lms.courses.models import Course
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope

TITLE = "养老保险基础面授（第一期）"
COURSE = "SS-PEN-101"
INSTRUCTIONS = "请携带身份证，提前10分钟签到。课前请先完成线上课程的前两课。\n\n签到表由培训讲师在课后录入平台。"
BOOKED = ("staff", "correspondent", "professional")
PLACE = "南京市鼓楼区中山北路101号 培训中心三楼301教室"


@dataclass(frozen=True)
class DemoSession:
    course: str
    title: str
    instructions: str
    days_ahead: int
    hours: int
    booked: tuple[str, ...]


DEMO_SESSIONS = (
    DemoSession(COURSE, TITLE, INSTRUCTIONS, 7, 3, BOOKED),
    DemoSession(
        "TR-SVC-201", "窗口服务情景演练（第一期）",
        "本次面授为情景演练：分组模拟窗口受理、政策解释和接待情绪激动的群众，每人至少扮演一次窗口人员，"
        "由讲师和同组学员按课程的四个方面点评。\n\n"
        "课前请学完线上3篇课文，并带上本单位的一次性告知单和一份常见业务的办事指南。"
        "请提前10分钟签到，签到表由培训讲师在课后录入平台。",
        10, 3, ("staff", "correspondent")),
    DemoSession(
        "TR-SVC-201-EN", "Counter service role-play workshop (session 1)",
        "A role-play workshop: in groups, learners act out counter reception, explaining policy and receiving "
        "agitated people; everyone plays the counter officer at least once, and the trainer and the group give "
        "feedback on the four aspects of the course.\n\n"
        "Please study the 3 online lessons first and bring your unit's one-time notification form and one service "
        "guide. Sign in 10 minutes early; the trainer records the sign-in sheet on the platform after the session.",
        14, 3, ()),
)


def create_demo_session(session: Session, *, now: datetime) -> ClassroomSession | None:
    """The SS-PEN-101 session (None when an upcoming one exists already, or the course or the demo accounts are
    missing)."""
    return _create(session, DEMO_SESSIONS[0], now=now)


def create_demo_sessions(session: Session, *, now: datetime) -> list[ClassroomSession]:
    """Every demo session not there yet whose course is published."""
    created = (_create(session, demo, now=now) for demo in DEMO_SESSIONS)
    return [cs for cs in created if cs is not None]


def _create(session: Session, demo: DemoSession, *, now: datetime) -> ClassroomSession | None:
    upcoming = select(ClassroomSession.id).where(ClassroomSession.title == demo.title, ClassroomSession.starts_at > now,
                                                 ClassroomSession.status != "cancelled")
    if session.scalar(upcoming) is not None:
        return None
    course = session.scalar(select(Course).where(Course.code == demo.course, Course.status == "published"))
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == "JS-PX"))
    trainer = session.scalar(select(User).where(User.username == "trainer"))
    if course is None or unit is None or trainer is None:
        return None
    day = (now + timedelta(days=demo.days_ahead)).date()
    start = datetime.combine(day, time(1, 0))  # 09:00 in Beijing, stored in UTC
    cs = services.create_session(session, services.SessionFields(
        course_id=course.id, title=demo.title, instructions=demo.instructions, starts_at=start,
        ends_at=start + timedelta(hours=demo.hours), place=PLACE, org_unit_id=unit.id, trainer_id=trainer.id,
        capacity=20), scope=Scope(everything=True), user_id=trainer.id, now=now)
    for username in demo.booked:
        person = session.scalar(select(User).where(User.username == username))
        if person is not None:
            services.sign_up(session, cs, user_id=person.id, by_id=trainer.id, now=now)
    return cs
