"""The demo classroom session of `lms create-demo`: an upcoming session of the
starter course SS-PEN-101 at the Jiangsu training centre, run by the demo
trainer, with three demo learners booked. Created once."""
from __future__ import annotations

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


def create_demo_session(session: Session, *, now: datetime) -> ClassroomSession | None:
    """The session (None when it exists already, or the course or the demo accounts are missing)."""
    if session.scalar(select(ClassroomSession.id).where(ClassroomSession.title == TITLE)) is not None:
        return None
    course = session.scalar(select(Course).where(Course.code == COURSE, Course.status == "published"))
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == "JS-PX"))
    trainer = session.scalar(select(User).where(User.username == "trainer"))
    if course is None or unit is None or trainer is None:
        return None
    day = (now + timedelta(days=7)).date()
    start = datetime.combine(day, time(1, 0))  # 09:00 in Beijing, stored in UTC
    cs = services.create_session(session, services.SessionFields(
        course_id=course.id, title=TITLE, instructions=INSTRUCTIONS, starts_at=start, ends_at=start + timedelta(hours=3),
        place="南京市鼓楼区中山北路101号 培训中心三楼301教室", org_unit_id=unit.id, trainer_id=trainer.id, capacity=20),
        scope=Scope(everything=True), user_id=trainer.id, now=now)
    for username in BOOKED:
        person = session.scalar(select(User).where(User.username == username))
        if person is not None:
            services.sign_up(session, cs, user_id=person.id, by_id=trainer.id, now=now)
    return cs
