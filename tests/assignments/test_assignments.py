"""Assignments apply to everyone who matches now (set-based) and to people
who join or move into the scope later: a new user, an imported user, a moved
user, an approved registration; people who leave stop being members."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from lms.assignments.models import AssignmentMember
from lms.assignments.services import (
    AssignmentError,
    apply_assignments_to_user,
    assignments_for_learner,
    cancel_assignment,
    create_assignments,
    overdue_members,
    progress_by_assignment,
)
from lms.auth.models import User
from lms.learn.models import Enrolment
from lms.learn.services import complete_lesson, enrol
from lms.orgs.models import OrgUnit
from lms.orgs.services import move_unit
from lms.people.services import UserChanges, approve, register, update_user
from lms.people.user_import import import_users
from tests import builders
from tests.builders import NOW
from tests.orgs.fixtures import build_world

DUE = date(2026, 3, 20)


def members(db, assignment_id) -> set[str]:
    return set(db.scalars(select(User.username).join(AssignmentMember, AssignmentMember.user_id == User.id)
                          .where(AssignmentMember.assignment_id == assignment_id)))


def enrolled(db, course_id) -> dict[str, str]:
    return dict(db.execute(select(User.username, Enrolment.source).join(Enrolment, Enrolment.user_id == User.id)
                           .where(Enrolment.course_id == course_id)).all())


@pytest.fixture
def setup(db):
    world = build_world(db)
    course = builders.make_course(db, "T-101")
    return world, course


def assign(db, world, course, unit="NJ", categories=("staff", "correspondent"), due=DUE):
    return create_assignments(db, course_ids=[course.id], org_unit_id=world.units[unit], categories=categories,
                              due_on=due, created_by_id=world.users["njboss"], now=NOW)[0]


def test_everyone_who_matches_is_enrolled_now(db, setup):
    world, course = setup
    enrol(db, user_id=world.users["xwstaff"], course=course, now=NOW)  # already enrolled by themselves
    a = assign(db, world, course)
    assert members(db, a.id) == {"xwstaff", "xwcorr"}
    assert enrolled(db, course.id) == {"xwstaff": "self", "xwcorr": "assigned"}
    rows = assignments_for_learner(db, user_id=world.users["xwcorr"], today=NOW.date())
    assert [(r.course.code, r.unit.code, r.due_on, r.overdue) for r in rows] == [("T-101", "NJ", DUE, False)]
    assert assignments_for_learner(db, user_id=world.users["szstaff"], today=NOW.date()) == []


def test_validation(db, setup):
    world, course = setup
    with pytest.raises(AssignmentError):
        assign(db, world, course, categories=())
    with pytest.raises(AssignmentError):
        assign(db, world, course, due=date(2026, 1, 1))
    draft = builders.make_course(db, "T-102")
    draft.status = "draft"
    db.flush()
    with pytest.raises(AssignmentError):
        create_assignments(db, course_ids=[draft.id], org_unit_id=world.units["NJ"], categories=["staff"],
                           due_on=DUE, created_by_id=None, now=NOW)


def test_a_new_user_is_enrolled(db, setup):
    world, course = setup
    a = assign(db, world, course)
    user = builders.make_user(db, username="newbie", staff_category="staff", org_unit_id=world.units["XW-C1"])
    assert apply_assignments_to_user(db, user.id, NOW) == 1
    assert "newbie" in members(db, a.id) and enrolled(db, course.id)["newbie"] == "assigned"
    other = builders.make_user(db, username="prof2", staff_category="professional", org_unit_id=world.units["XW"])
    assert apply_assignments_to_user(db, other.id, NOW) == 0


def test_imported_users_are_enrolled_set_based(db, setup):
    world, course = setup
    a = assign(db, world, course)
    result = import_users(db, "username,org_unit_code,staff_category\nimp1,XW,staff\nimp2,GS,staff\nimp3,NJ,manager\n", now=NOW)
    assert result.enrolled == 1
    assert members(db, a.id) == {"xwstaff", "xwcorr", "imp1"}
    # Re-import moving imp2 into the scope: enrolled; imp1 out of it: no longer a member.
    result = import_users(db, "username,org_unit_code,staff_category\nimp1,SZ,staff\nimp2,XW,staff\nimp3,NJ,manager\n", now=NOW)
    assert members(db, a.id) == {"xwstaff", "xwcorr", "imp2"}
    assert "imp1" in enrolled(db, course.id)  # their enrolment and progress stay


def test_a_moved_user_and_a_moved_unit(db, setup):
    world, course = setup
    a = assign(db, world, course)
    sz = db.get(User, world.users["szstaff"])
    update_user(db, sz, UserChanges(full_name="", email="", org_unit_id=world.units["XW"], staff_category="staff",
                                    language="en", status="active"), now=NOW)
    assert "szstaff" in members(db, a.id)
    move_unit(db, db.get(OrgUnit, world.units["GS"]), new_parent_id=world.units["NJ"], now=NOW)
    assert "gsstaff" in members(db, a.id)
    move_unit(db, db.get(OrgUnit, world.units["XW"]), new_parent_id=world.units["SZ"], now=NOW)
    assert members(db, a.id) == {"gsstaff"}


def test_an_approved_registration_is_enrolled_and_pending_is_not(db, setup):
    world, course = setup
    a = assign(db, world, course)
    person = register(db, username="corr9", password="a long pass phrase", full_name="张三", email="",
                      org_unit_id=world.units["XW-C1"], staff_category="correspondent", language="zh_CN", now=NOW)
    assert person.status == "pending"
    apply_assignments_to_user(db, person.id, NOW)
    assert "corr9" not in members(db, a.id)
    assert approve(db, person, now=NOW) == 1
    assert "corr9" in members(db, a.id) and enrolled(db, course.id)["corr9"] == "assigned"


def test_deactivated_people_leave_and_cancelled_assignments_stop(db, setup):
    world, course = setup
    a = assign(db, world, course)
    xw = db.get(User, world.users["xwstaff"])
    update_user(db, xw, UserChanges(full_name="", email="", org_unit_id=xw.org_unit_id, staff_category="staff",
                                    language="en", status="deactivated"), now=NOW)
    assert members(db, a.id) == {"xwcorr"}
    cancel_assignment(db, a, now=NOW)
    user = builders.make_user(db, username="late", staff_category="staff", org_unit_id=world.units["XW"])
    assert apply_assignments_to_user(db, user.id, NOW) == 0


def test_progress_and_overdue(db, setup):
    world, course = setup
    a = assign(db, world, course, unit="JS", categories=("staff",))
    assert members(db, a.id) == {"xwstaff", "szstaff", "gsstaff"}
    complete_lesson(db, user_id=world.users["szstaff"], lesson=course.lessons[0], now=NOW)
    from lms.learn.models import CourseCompletion

    db.add(CourseCompletion(user_id=world.users["gsstaff"], course_id=course.id, completed_at=NOW))
    db.flush()
    p = progress_by_assignment(db, [a.id], NOW.date())[a.id]
    assert (p.members, p.not_started, p.in_progress, p.completed, p.overdue) == (3, 1, 1, 1, 0)
    later = date(2026, 3, 21)
    p = progress_by_assignment(db, [a.id], later)[a.id]
    assert p.overdue == 2
    rows, total = overdue_members(db, a, later)
    assert total == 2 and {r.user.username for r in rows} == {"xwstaff", "szstaff"}
    assert {r.user.username: r.started for r in rows} == {"xwstaff": False, "szstaff": True}


def test_ten_thousand_people_are_enrolled_with_a_set_based_insert(db, setup, monkeypatch):
    """No Python loop over people: the number of statements does not grow with them."""
    world, course = setup
    from sqlalchemy import event, insert

    users = User.__table__
    db.execute(insert(users), [{"username": f"bulk{i}", "full_name": "", "email": "", "password_hash": "",
                                "staff_category": "staff", "org_unit_id": world.units["XW"], "language": "zh_CN",
                                "status": "active", "created_at": NOW} for i in range(10_000)])
    statements = []
    engine = db.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        a = assign(db, world, course, categories=("staff",))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert db.scalar(select(func.count()).where(AssignmentMember.assignment_id == a.id)) == 10_001
    assert db.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.course_id == course.id)) == 10_001
    assert len(statements) < 30
