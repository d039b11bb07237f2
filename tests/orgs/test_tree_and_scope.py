"""The tree (create, move, cycles, headcounts in force) and a manager's scope:
a city manager sees exactly their subtree on every page and filter, and an id
outside it answers 404 (or 403 for people they may see but not manage)."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from lms.orgs.models import OrgUnit
from lms.orgs.scope import scope_for, unit_ids_in_scope
from lms.orgs.services import OrgError, headcount_in_force, move_unit, set_headcount
from tests.builders import NOW
from tests.orgs.fixtures import NJ_SUBTREE_PEOPLE, PEOPLE, build_world
from tests.web.helpers import login, text


def paths(db) -> dict[str, str]:
    db.expire_all()
    return {u.code: u.path for u in db.scalars(select(OrgUnit))}


def test_move_updates_the_whole_subtree_and_refuses_cycles(db):
    world = build_world(db)
    units = {u.code: u for u in db.scalars(select(OrgUnit))}
    move_unit(db, units["XW"], new_parent_id=world.units["SZ"], now=NOW)
    p = paths(db)
    assert p["XW"] == p["SZ"] + f"{world.units['XW']}/"
    assert p["XW-C1"] == p["XW"] + f"{world.units['XW-C1']}/"
    assert p["NJ"] == p["JS"] + f"{world.units['NJ']}/"  # untouched
    with pytest.raises(OrgError):
        move_unit(db, db.get(OrgUnit, world.units["JS"]), new_parent_id=world.units["XW-C1"], now=NOW)
    with pytest.raises(OrgError):
        move_unit(db, db.get(OrgUnit, world.units["XW"]), new_parent_id=world.units["XW"], now=NOW)


def test_headcount_in_force_takes_the_latest_row_on_or_before_the_date(db):
    world = build_world(db)
    nj, xw = db.get(OrgUnit, world.units["NJ"]), db.get(OrgUnit, world.units["XW"])
    set_headcount(db, nj, staff_category="staff", valid_from=date(2025, 1, 1), headcount=100)
    set_headcount(db, nj, staff_category="staff", valid_from=date(2026, 1, 1), headcount=120)
    set_headcount(db, xw, staff_category="staff", valid_from=date(2025, 6, 1), headcount=30)
    set_headcount(db, xw, staff_category="manager", valid_from=date(2027, 1, 1), headcount=5)
    ids = [nj.id, xw.id]
    assert headcount_in_force(db, ids, date(2024, 12, 31)) == {}
    assert headcount_in_force(db, ids, date(2025, 7, 1)) == {"staff": 130}
    assert headcount_in_force(db, ids, date(2026, 1, 1)) == {"staff": 150}
    assert headcount_in_force(db, ids, date(2027, 1, 1)) == {"staff": 150, "manager": 5}
    per_unit = headcount_in_force(db, ids, date(2026, 3, 1), per_unit=True)
    assert per_unit == {(nj.id, "staff"): 120, (xw.id, "staff"): 30}


def test_scope_of_each_kind_of_user(db):
    world = build_world(db)
    from lms.auth.models import User

    def ids(name):
        return set(unit_ids_in_scope(db, db.get(User, world.users[name])))

    everything = set(world.units.values())
    assert ids("admin") == everything and ids("national") == everything
    assert ids("njboss") == {world.units[c] for c in ("NJ", "XW", "XW-C1")}
    assert ids("xwstaff") == set()  # a learner manages nothing
    assert scope_for(db, db.get(User, world.users["njboss"])).everything is False


def _usernames(page: str) -> set[str]:
    return set(re.findall(r'href="/admin/users/\d+">([^<]+)</a>', page))


def test_city_manager_sees_exactly_their_subtree(client, world, build, course_id, query):
    from lms.assignments.services import create_assignments

    def assign(s):
        a1 = create_assignments(s, course_ids=[course_id], org_unit_id=world.units["XW"], categories=["staff"],
                                due_on=date(2026, 4, 1), created_by_id=None, now=NOW)[0]
        a2 = create_assignments(s, course_ids=[course_id], org_unit_id=world.units["SZ"], categories=["staff"],
                                due_on=date(2026, 4, 1), created_by_id=None, now=NOW)[0]
        return a1.id, a2.id

    inside, outside = build(assign)
    login(client, "njboss")

    assert _usernames(text(client.get("/admin/users"))) == NJ_SUBTREE_PEOPLE
    assert _usernames(text(client.get("/admin/users?q=staff"))) == {"xwstaff"}
    assert _usernames(text(client.get("/admin/users?category=staff"))) == {"xwstaff"}
    assert _usernames(text(client.get(f"/admin/users?unit={world.units['XW']}"))) == {"xwstaff", "xwcorr"}
    assert client.get(f"/admin/users?unit={world.units['SZ']}").status_code == 404
    assert client.get(f"/admin/users?unit={world.units['JS']}").status_code == 404

    tree = text(client.get("/admin/org-units"))
    shown = set(re.findall(r'href="/admin/org-units/(\d+)"', tree))
    assert shown == {str(world.units[c]) for c in ("NJ", "XW", "XW-C1")}
    assert set(re.findall(r'href="/admin/org-units/(\d+)"', text(client.get("/admin/org-units?q=GS")))) == set()
    assert client.get(f"/admin/org-units/{world.units['XW']}").status_code == 200
    for code in ("SZ", "GS", "JS", "CN"):
        assert client.get(f"/admin/org-units/{world.units[code]}").status_code == 404

    listing = text(client.get("/manage/assignments"))
    assert f"/manage/assignments/{inside}" in listing and f"/manage/assignments/{outside}" not in listing
    assert client.get(f"/manage/assignments/{inside}").status_code == 200
    assert client.get(f"/manage/assignments/{outside}").status_code == 404
    assert client.post(f"/manage/assignments/{outside}/cancel").status_code == 404
    assert client.get("/manage/assignments/999999").status_code == 404

    for name in ("szstaff", "gsstaff", "admin", "national"):
        assert client.get(f"/admin/users/{world.users[name]}").status_code == 404
        assert client.post(f"/admin/users/{world.users[name]}/deactivate").status_code == 404
        assert client.post(f"/admin/users/{world.users[name]}/reset-password").status_code == 404
    # In scope but not a learner only: forbidden.
    assert client.get(f"/admin/users/{world.users['njauthor']}").status_code == 403
    assert client.get(f"/admin/users/{world.users['njboss']}").status_code == 403
    assert client.get(f"/admin/users/{world.users['xwstaff']}").status_code == 200

    # Moving a learner to a unit outside the scope is refused (404) and changes nothing.
    response = client.post(f"/admin/users/{world.users['xwstaff']}", data={
        "org_unit_id": world.units["SZ"], "full_name": "x", "email": "", "staff_category": "staff",
        "language": "en", "status": "active"})
    assert response.status_code == 404
    from lms.auth.models import User

    assert query(lambda s: s.get(User, world.users["xwstaff"]).org_unit_id) == world.units["XW"]

    # Assigning to a unit outside the scope: 404, nothing created.
    response = client.post("/manage/assignments/new", data={
        "courses": [course_id], "org_unit_id": world.units["SZ"], "categories": ["staff"], "due_on": "2026-05-01"})
    assert response.status_code == 404


def test_national_manager_and_admin_see_everyone(client, world):
    for name in ("national", "admin"):
        login(client, name)
        assert _usernames(text(client.get("/admin/users"))) == {p[0] for p in PEOPLE}
        client.post("/auth/logout")


def test_learner_and_author_cannot_reach_management_pages(client, world):
    login(client, "njauthor")
    for url in ("/admin/users", "/admin/org-units", "/manage/assignments", "/admin/registrations"):
        assert client.get(url).status_code == 403


def test_api_shows_nothing_of_other_units(client, world):
    """The JSON API has no people or org-unit endpoints: /me only shows oneself."""
    login(client, "njboss")
    assert client.get("/api/v1/me").status_code == 401  # cookies are no credential for the API
