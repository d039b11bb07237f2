"""The six terms of reference are required "in every case" (issue 15, item 6):
no review while one is empty, the authoring page says which, the learner's
course page shows all six, and the conditions say how the course is
delivered from the activities it has."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from content.spec import TERMS_FIELDS
from lms.catalog.delivery import delivery
from lms.courses.models import Course, CourseEvent, CourseVersion
from tests.builders import TERMS
from tests.classroom.conftest import clock, cw  # noqa: F401 - fixtures
from tests.web.conftest import make_course, make_user  # noqa: F401 - fixtures
from tests.web.helpers import login, text

ROOT = Path(__file__).resolve().parents[2]
NEW_COURSE = {"code": "NEW-7", "title": "窗口接待", "skill_type": "transversal", "target_level": "capacity",
              "language": "zh_CN"}


def _author(app, make_user):  # noqa: F811 - the fixture
    make_user(username="writer", roles=("author",), language="en")
    client = app.test_client()
    login(client, "writer")
    return client


def test_submit_is_refused_while_a_term_is_empty(app, make_user, query):  # noqa: F811
    client = _author(app, make_user)
    partial = {**TERMS, "conditions": "", "supports": "  "}
    assert client.post("/authoring/new", data={**NEW_COURSE, **partial}).status_code == 302
    client.post("/authoring/courses/NEW-7/lessons/new", data={"title": "第一课", "slug": "first", "body": "内容。"})

    course_page = text(client.get("/authoring/courses/NEW-7"))
    assert re.search(r'class="missing" data-term="conditions"', course_page)
    assert re.search(r'class="missing" data-term="supports"', course_page)
    assert re.search(r'class="given" data-term="objectives"', course_page)
    assert "Missing: Conditions, Supports." in course_page

    refused = client.post("/authoring/courses/NEW-7/submit", follow_redirects=True)
    assert "Fill in every term of reference before submitting. Missing: Conditions, Supports." in text(refused)
    status = query(lambda s: s.scalar(select(CourseVersion.status).join(Course).where(Course.code == "NEW-7")))
    assert status == "draft"
    submitted = query(lambda s: s.scalar(select(func.count()).select_from(CourseEvent)
                                         .where(CourseEvent.action == "submitted")))
    assert submitted == 0

    metadata = text(client.get("/authoring/courses/NEW-7/metadata"))
    form = {name: value for name, value in NEW_COURSE.items() if name != "code"}
    assert "form" in metadata
    client.post("/authoring/courses/NEW-7/metadata", data={**form, **TERMS, "estimated_minutes": "0"})
    assert 'class="missing"' not in text(client.get("/authoring/courses/NEW-7"))
    client.post("/authoring/courses/NEW-7/submit")
    status = query(lambda s: s.scalar(select(CourseVersion.status).join(Course).where(Course.code == "NEW-7")))
    assert status == "review"


def test_course_page_shows_the_six_terms_and_the_delivery(app, make_course, make_user):  # noqa: F811
    make_course("T-201")
    client = app.test_client()
    client.post("/auth/language", data={"language": "en"})
    page = text(client.get("/courses/T-201"))
    terms = re.findall(r'<section class="term" data-term="(\w+)"><h3>([^<]+)</h3>', page)
    assert [name for name, _h in terms] == list(TERMS_FIELDS)
    assert [heading for _n, heading in terms] == ["Objectives", "Target publics", "Conditions", "Detailed programme",
                                                  "Supports", "Final evaluation"]
    for value in TERMS.values():
        assert value in page
    conditions = page.split('data-term="conditions"')[1].split("</section>")[0]
    assert '<p class="delivery">Delivery: Online learning</p>' in conditions
    assert conditions.index("Delivery:") < conditions.index(TERMS["conditions"])


def test_delivery_follows_the_activities():
    assert delivery(lessons=3).modes == ("online",)
    assert delivery(quiz=True).modes == ("online",)
    assert delivery().modes == ()
    both = delivery(lessons=2, sessions=1, tasks=2, manager_evaluation=True)
    assert both.modes == ("online", "classroom", "on_the_job", "manager_evaluation") and both.blended
    assert delivery(sessions=1, manager_evaluation=True).labels == ["Classroom sessions",
                                                                     "Final evaluation by the learner's manager"]
    assert not delivery(sessions=1, manager_evaluation=True).blended


@pytest.mark.parametrize("package", sorted(p.name for p in (ROOT / "courses").iterdir() if (p / "course.toml").exists()))
def test_every_starter_course_has_the_six_terms(package):
    terms = tomllib.loads((ROOT / "courses" / package / "course.toml").read_text(encoding="utf-8")).get("terms", {})
    assert [name for name in TERMS_FIELDS if not str(terms.get(name, "")).strip()] == []


def test_a_course_with_classroom_sessions_says_so_above_its_conditions(app, cw, clock):  # noqa: F811
    client = app.test_client()
    client.post("/auth/language", data={"language": "en"})
    conditions = text(client.get("/courses/T-101")).split('data-term="conditions"')[1].split("</section>")[0]
    assert '<p class="delivery">Delivery: Online learning · Classroom sessions</p>' in conditions
