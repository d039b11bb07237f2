"""A small known tree for the report tests, built through the normal services."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from lms.courses.models import CourseVersion
from lms.learn import services as learning
from lms.orgs.services import create_unit, set_headcount
from lms.people.services import UserChanges, update_user
from tests.builders import make_course, make_user


def unit(db, code, level, parent=None, name=None):
    return create_unit(db, code=code, name=name or f"单位 {code}", level=level, kind="social_insurance",
                       parent_id=parent.id if parent else None)


def complete(db, user, course, at: datetime):
    """Enrol a day before `at`, then do every lesson of the version followed at `at` (the course has no quiz)."""
    enrolment = learning.enrol(db, user_id=user.id, course=course, now=at - timedelta(days=1))
    for lesson in db.get(CourseVersion, enrolment.version_id).lessons:
        learning.complete_lesson(db, user_id=user.id, lesson=lesson, now=at)


def move(db, user, *, org_unit_id=None, staff_category=None, status=None, now=datetime(2026, 7, 1)):
    update_user(db, user, UserChanges(
        full_name=user.full_name, email=user.email,
        org_unit_id=user.org_unit_id if org_unit_id is None else org_unit_id,
        staff_category=staff_category or user.staff_category, language=user.language,
        status=status or user.status), now=now)


@pytest.fixture
def tree(db):
    """N (national) > P (province) > C1 > D1, and P > C2; see test_coverage for the figures."""
    n = unit(db, "N", "national", name="全国")
    p = unit(db, "P", "province", n, name="江苏省")
    c1 = unit(db, "C1", "city", p, name="南京市")
    c2 = unit(db, "C2", "city", p, name="苏州市")
    d1 = unit(db, "D1", "district", c1, name="玄武区")
    for u, cat, n_ in ((p, "staff", 10), (c1, "staff", 5), (c1, "manager", 2), (c2, "staff", 4), (d1, "staff", 3)):
        set_headcount(db, u, staff_category=cat, valid_from=date(2026, 1, 1), headcount=n_)
    set_headcount(db, d1, staff_category="staff", valid_from=date(2026, 6, 1), headcount=6)
    a = make_course(db, "A-101", skill_type="transversal", target_level="information", lessons=1, quiz=False)
    b = make_course(db, "B-101", skill_type="social-security", target_level="expertise", lessons=1, quiz=False)
    u1 = make_user(db, username="u1", staff_category="staff", org_unit_id=d1.id)
    u2 = make_user(db, username="u2", staff_category="staff", org_unit_id=d1.id)
    u3 = make_user(db, username="u3", staff_category="manager", org_unit_id=c1.id)
    u4 = make_user(db, username="u4", staff_category="staff", org_unit_id=c2.id)
    u5 = make_user(db, username="u5", staff_category="staff", org_unit_id=p.id)
    u6 = make_user(db, username="u6", staff_category="staff", org_unit_id=c2.id)
    complete(db, u1, a, datetime(2026, 2, 10, 9))
    learning.enrol(db, user_id=u2.id, course=a, now=datetime(2026, 2, 1))
    complete(db, u3, a, datetime(2026, 3, 5, 9))
    complete(db, u3, b, datetime(2026, 4, 20, 9))
    complete(db, u4, b, datetime(2026, 5, 2, 9))
    complete(db, u6, a, datetime(2026, 2, 3, 9))
    move(db, u6, status="deactivated")
    db.commit()
    return dict(n=n, p=p, c1=c1, c2=c2, d1=d1, a=a, b=b, u1=u1, u2=u2, u3=u3, u4=u4, u5=u5, u6=u6)
