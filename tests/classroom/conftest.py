"""A tree with people (tests.orgs.fixtures), a trainer attached to NJ, a
manager of another city (SZ), the published course T-101 (no quiz, two
lessons) and a session of it held by NJ, three days after NOW, built in
committed transactions (so requests see them). The app's clock is pinned
(`clock.now`), so a test can move past the start or the end."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from lms.assignments.models import OutboxMessage
from lms.classroom import services
from lms.classroom.mail import render_notice
from lms.classroom.models import ClassroomSession, SessionSignup
from lms.orgs.scope import Scope
from tests import builders
from tests.builders import NOW
from tests.orgs.fixtures import World, build_world
from tests.web.helpers import login

START = NOW + timedelta(days=3)  # 2026-03-05 09:00 UTC


@dataclass
class Clock:
    now: datetime = NOW


@pytest.fixture
def clock(app) -> Clock:
    clock = Clock()
    app.config["NOW"] = lambda: clock.now
    return clock


@dataclass
class ClassWorld:
    world: World
    course_id: int
    session_id: int

    def user(self, name: str) -> int:
        return self.world.users[name]


def build_classroom(s, *, capacity: int = 2, start: datetime = START) -> ClassWorld:
    world = build_world(s)
    for name, unit, roles in (("njtrainer", "NJ", ("learner", "trainer")), ("szboss", "SZ", ("learner", "manager")),
                              ("sztrainer", "SZ", ("learner", "trainer"))):
        user = builders.make_user(s, username=name, staff_category="manager", roles=roles,
                                  org_unit_id=world.units[unit], language="en")
        user.email = f"{name}@example.org"
        world.users[name] = user.id
    for i in range(1, 6):  # more learners of XW, one in Chinese
        user = builders.make_user(s, username=f"xw{i}", org_unit_id=world.units["XW"], language="zh_CN" if i == 2 else "en")
        user.email = f"xw{i}@example.org"
        world.users[f"xw{i}"] = user.id
    course = builders.make_course(s, "T-101", quiz=False)
    s.flush()
    cs = services.create_session(s, services.SessionFields(
        course_id=course.id, title="面授：养老保险, 第一期", instructions="请带上**身份证**。\n\n<script>alert(1)</script>",
        starts_at=start, ends_at=start + timedelta(hours=3), place="南京市玄武区, 培训中心; 201室",
        org_unit_id=world.units["NJ"], trainer_id=world.users["njtrainer"], capacity=capacity),
        scope=Scope(everything=True), user_id=None, now=NOW)
    return ClassWorld(world, course.id, cs.id)


@pytest.fixture
def cw(build, clock) -> ClassWorld:
    return build(build_classroom)


def sign_up(build, cw: ClassWorld, *names: str, now: datetime = NOW) -> list[str]:
    def run(s):
        cs = s.get(ClassroomSession, cw.session_id)
        return [services.sign_up(s, cs, user_id=cw.user(n), by_id=cw.user(n), now=now) for n in names]
    return build(run)


def states(query, cw: ClassWorld) -> dict[str, tuple[str, int | None]]:
    from lms.auth.models import User

    return dict((name, (state, pos)) for name, state, pos in query(lambda s: s.execute(
        select(User.username, SessionSignup.state, SessionSignup.position)
        .join(SessionSignup, SessionSignup.user_id == User.id)
        .where(SessionSignup.session_id == cw.session_id)).all()))


def outbox(query, kind: str | None = None) -> list[tuple[str, str, str]]:
    """(recipient, kind, subject) of the queued messages, in order."""
    rows = query(lambda s: s.execute(select(OutboxMessage.recipient, OutboxMessage.kind, OutboxMessage.subject)
                                     .order_by(OutboxMessage.id)).all())
    return [tuple(r) for r in rows if kind is None or r[1] == kind]


def booked_count(query, cw: ClassWorld) -> int:
    return query(lambda s: s.get(ClassroomSession, cw.session_id).booked)


def as_user(client, name: str):
    response = login(client, name)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


__all__ = ["START", "ClassWorld", "as_user", "booked_count", "outbox", "render_notice", "sign_up", "states"]
