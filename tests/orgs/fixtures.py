"""Shared fixtures for the org, people and assignment tests: a small tree and
people in it, built in committed transactions (so requests can see them)."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.orgs.models import OrgUnit
from lms.orgs.services import create_unit
from tests import builders
from tests.builders import NOW

# code, parent, level, kind
TREE = [
    ("CN", None, "national", "social_insurance"),
    ("JS", "CN", "province", "social_insurance"),
    ("NJ", "JS", "city", "social_insurance"),
    ("XW", "NJ", "district", "social_insurance"),
    ("XW-C1", "XW", "workplace", "community"),
    ("SZ", "JS", "city", "medical_insurance"),
    ("GS", "SZ", "district", "medical_insurance"),
]
# username, unit, category, roles
PEOPLE = [
    ("admin", "CN", "manager", ("admin",)),
    ("national", "CN", "manager", ("manager",)),
    ("njboss", "NJ", "manager", ("manager",)),
    ("xwstaff", "XW", "staff", ()),
    ("xwcorr", "XW-C1", "correspondent", ()),
    ("njprof", "NJ", "professional", ()),
    ("njauthor", "NJ", "professional", ("author",)),
    ("szstaff", "SZ", "staff", ()),
    ("gsstaff", "GS", "staff", ()),
]
NJ_SUBTREE_PEOPLE = {"njboss", "xwstaff", "xwcorr", "njprof", "njauthor"}


@dataclass
class World:
    units: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)


def build_tree(session) -> dict[str, int]:
    ids: dict[str, int] = {}
    for code, parent, level, kind in TREE:
        unit = create_unit(session, code=code, name=f"{code} 单位", level=level, kind=kind,
                           parent_id=ids[parent] if parent else None)
        ids[code] = unit.id
    return ids


def build_world(session) -> World:
    world = World(units=build_tree(session))
    for username, unit, category, roles in PEOPLE:
        user = builders.make_user(session, username=username, staff_category=category, roles=("learner", *roles),
                                  org_unit_id=world.units[unit], language="en")
        user.email = f"{username}@example.org"
        world.users[username] = user.id
    session.flush()
    return world


@pytest.fixture
def world(build) -> World:
    return build(build_world)


@pytest.fixture
def course_id(build) -> int:
    return build(lambda s: builders.make_course(s, "T-101").id)


def user_id(session, username: str) -> int:
    return session.scalar(select(User.id).where(User.username == username))


def unit_id(session, code: str) -> int:
    return session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))


__all__ = ["NOW", "World", "build_tree", "build_world", "course_id", "unit_id", "user_id", "world"]
