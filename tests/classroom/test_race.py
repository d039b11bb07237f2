"""20 people sign up at once for the last place: exactly one gets it, the
others wait, numbered without gaps or repeats (the database decides; run on
SQLite and on PostgreSQL with LMS_DATABASE_URL)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.classroom import services
from lms.classroom.models import ClassroomSession, SessionSignup
from lms.learn import services as learning
from tests import builders
from tests.classroom.conftest import build_classroom
from tests.security.test_quiz_concurrency import PARALLEL, _race

pytestmark = pytest.mark.slow


def test_parallel_sign_ups_for_the_last_place_give_exactly_one_booking(app, build, now):
    def world(s):
        cw = build_classroom(s, capacity=3)
        cs = s.get(ClassroomSession, cw.session_id)
        ids = []
        for i in range(PARALLEL):
            ids.append(builders.make_user(s, username=f"racer{i}", org_unit_id=cw.world.units["XW"]).id)
            # Enrolled beforehand: the race is on the session's places alone (an enrolment
            # updates the unit's report counters, whose row lock would queue the racers).
            learning.enrol(s, user_id=ids[-1], course=cs.course, now=now)
        services.sign_up(s, cs, user_id=cw.user("xw1"), by_id=None, now=now)
        services.sign_up(s, cs, user_id=cw.user("xw2"), by_id=None, now=now)
        return cw.session_id, ids

    session_id, ids = build(world)
    turn = iter(ids)

    def sign_up(session):
        user_id = next(turn)
        return services.sign_up(session, session.get(ClassroomSession, session_id), user_id=user_id, by_id=user_id,
                                now=now)

    outcomes = _race(app, sign_up)
    assert sorted(outcomes) == ["booked"] + ["waiting"] * (PARALLEL - 1), outcomes

    def check(s):
        rows = s.execute(select(SessionSignup.state, func.count(), func.min(SessionSignup.position),
                                func.max(SessionSignup.position), func.count(func.distinct(SessionSignup.position)))
                         .where(SessionSignup.session_id == session_id).group_by(SessionSignup.state)).all()
        return {state: (n, lo, hi, distinct) for state, n, lo, hi, distinct in rows}, s.get(ClassroomSession, session_id).booked

    by_state, booked = build(check)
    assert booked == 3
    assert by_state == {"booked": (3, None, None, 0), "waiting": (PARALLEL - 1, 1, PARALLEL - 1, PARALLEL - 1)}
