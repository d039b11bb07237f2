"""A small tree with a survey on it, built through the services in committed
transactions (so requests can see it).

    N (national) > P (province) > C1 (city) > D1 (district) > W1 (workplace)
                                > PC (provincial city, medical insurance)
    and N > Q (another province, outside the survey)

The survey asks P's subtree, staff and managers, four topics; it opens on
NOW's day and closes 30 days later."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.orgs.services import create_unit, set_headcount
from lms.surveys import services
from lms.surveys.models import NEED_CODES, Survey
from lms.surveys.services import SurveyFields, TopicFields
from tests import builders
from tests.builders import NOW

TREE = [
    ("N", None, "national", "social_insurance"),
    ("P", "N", "province", "social_insurance"),
    ("C1", "P", "city", "social_insurance"),
    ("D1", "C1", "district", "pension_insurance"),
    ("W1", "D1", "workplace", "company"),
    ("PC", "P", "provincial_city", "medical_insurance"),
    ("Q", "N", "province", "social_insurance"),
]
TOPICS = [
    TopicFields(key="communication", title="沟通", skill_type="transversal", target_level="capacity"),
    TopicFields(key="workflow", title="组织与工作流程", skill_type="transversal", target_level="capacity"),
    TopicFields(key="laws", title="法律法规", skill_type="social-security", target_level="information"),
    TopicFields(key="pension", title="养老保险", skill_type="social-security", target_level="capacity",
                schemes=["pension"], comment_allowed=True),
]
E, U, NN, NA = (NEED_CODES[k] for k in ("essential", "useful", "not_needed", "no_answer"))


@dataclass
class SurveyWorld:
    units: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    survey_id: int = 0
    topics: dict[str, int] = field(default_factory=dict)
    token: str = ""  # an API token, where a test makes one


def build_tree(session) -> dict[str, int]:
    ids: dict[str, int] = {}
    for code, parent, level, kind in TREE:
        ids[code] = create_unit(session, code=code, name=f"{code} 单位", level=level, kind=kind,
                                parent_id=ids[parent] if parent else None).id
    return ids


def make_survey(session, root_id: int, *, categories=("staff", "manager"), levels=(), topics=TOPICS, open_it=True,
                now: datetime = NOW, user_id=None) -> Survey:
    survey = services.create_survey(session, SurveyFields(
        title="培训需求调查", description="请选择您的培训需求。", opens_on=now.date(),
        closes_on=now.date() + timedelta(days=30), root_unit_id=root_id, categories=list(categories),
        levels=list(levels)), user_id=user_id, now=now)
    for t in topics:
        services.add_topic(session, survey, t, user_id=user_id, now=now)
    if open_it:
        services.open_survey(session, survey, user_id=user_id, now=now)
    return survey


def people(session, world: SurveyWorld, unit: str, category: str, n: int, prefix: str | None = None) -> list[int]:
    """n learners of `category` in `unit` (usernames prefix1..prefixN)."""
    prefix = prefix or f"{unit.lower()}{category[:3]}"
    ids = []
    for i in range(1, n + 1):
        user = builders.make_user(session, username=f"{prefix}{i}", staff_category=category,
                                  org_unit_id=world.units[unit])
        world.users[user.username] = user.id
        ids.append(user.id)
    return ids


def answer(session, world: SurveyWorld, user_id: int, needs: dict[str, int], now: datetime = NOW, comments=None):
    comments = comments or {}
    return services.answer(session, survey_id=world.survey_id, user_id=user_id, now=now,
                           answers={world.topics[k]: (v, comments.get(k)) for k, v in needs.items()})


def build_survey_world(session) -> SurveyWorld:
    world = SurveyWorld(units=build_tree(session))
    for code, n in (("P", 10), ("C1", 20), ("D1", 8), ("PC", 12)):
        from lms.orgs.models import OrgUnit

        set_headcount(session, session.get(OrgUnit, world.units[code]), staff_category="staff",
                      valid_from=NOW.date() - timedelta(days=60), headcount=n)
    for username, unit, category, roles in (("admin", "N", "manager", ("admin",)), ("pboss", "P", "manager", ("manager",)),
                                            ("qboss", "Q", "manager", ("manager",)),
                                            ("c1boss", "C1", "manager", ("manager",))):
        world.users[username] = builders.make_user(session, username=username, staff_category=category,
                                                   roles=("learner", *roles), org_unit_id=world.units[unit]).id
    survey = make_survey(session, world.units["P"], user_id=world.users["pboss"])
    world.survey_id = survey.id
    world.topics = {t.key: t.id for t in survey.topics}
    session.flush()
    return world


@pytest.fixture
def sw(build) -> SurveyWorld:
    return build(build_survey_world)


def user_id(session, username: str) -> int:
    return session.scalar(select(User.id).where(User.username == username))


@pytest.fixture(autouse=True)
def pinned_clock(request):
    """The app's clock at NOW + 1 hour: the survey of `sw` is open (tests move it with `clock`)."""
    if "app" not in request.fixturenames:
        yield None
        return
    app = request.getfixturevalue("app")
    moment = {"now": NOW + timedelta(hours=1)}
    app.config["NOW"] = lambda: moment["now"]
    yield moment
    app.config.pop("NOW", None)

