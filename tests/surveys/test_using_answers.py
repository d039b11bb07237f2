"""The answers in use: My learning suggests courses in the cells a learner
rated essential; the assignment form shows the need beside each cell for the
unit chosen. And the level provincial_city is accepted where levels are."""
from __future__ import annotations

import re

from sqlalchemy import select

from lms.learn import services as learning
from lms.orgs.csv_import import import_org_units
from lms.orgs.models import OrgUnit
from lms.surveys.models import NEED_CODES
from tests.builders import NOW, make_course
from tests.surveys.conftest import answer, people
from tests.web.helpers import login, text

E, U, NN = NEED_CODES["essential"], NEED_CODES["useful"], NEED_CODES["not_needed"]


def test_my_learning_suggests_courses_for_the_needs_rated_essential(client, build, sw):
    def fill(s):
        make_course(s, "PEN-1", title="养老保险经办实务", skill_type="social-security", target_level="capacity",
                    schemes=("pension",), audience=("staff",), quiz=False, lessons=1)
        make_course(s, "MED-1", title="医疗保险经办", skill_type="social-security", target_level="capacity",
                    schemes=("medical",), quiz=False, lessons=1)  # the cell, not the scheme
        make_course(s, "PEN-EN", title="Pension practice", skill_type="social-security", target_level="capacity",
                    schemes=("pension",), language="en", quiz=False, lessons=1)  # not the learner's language
        make_course(s, "PEN-MGR", title="养老保险管理", skill_type="social-security", target_level="capacity",
                    schemes=("pension",), audience=("manager",), quiz=False, lessons=1)  # not for staff
        taken = make_course(s, "COM-1", title="窗口沟通", skill_type="transversal", target_level="capacity",
                            schemes=(), quiz=False, lessons=1)
        make_course(s, "COM-2", title="沟通技巧进阶", skill_type="transversal", target_level="capacity", schemes=(),
                    quiz=False, lessons=1)
        make_course(s, "LAW-1", title="社会保险法", skill_type="social-security", target_level="information",
                    quiz=False, lessons=1)  # rated not needed
        uid = people(s, sw, "C1", "staff", 1, prefix="wang")[0]
        learning.enrol(s, user_id=uid, course=taken, now=NOW)
        answer(s, sw, uid, {"pension": E, "communication": E, "laws": NN, "workflow": U})

    build(fill)
    login(client, "wang1")
    page = text(client.get("/my"))
    section = page.split('id="for-needs-title"')[1].split("</section>")[0]
    assert re.findall(r'data-course="([^"]+)"', section) == ["COM-2", "PEN-1"]


def test_nothing_is_suggested_before_answering(client, build, sw):
    build(lambda s: people(s, sw, "C1", "staff", 1, prefix="new"))
    login(client, "new1")
    assert 'id="for-needs-title"' not in text(client.get("/my"))


def test_the_assignment_form_shows_the_need_of_the_chosen_unit(client, build, sw):
    def fill(s):
        make_course(s, "COM-1", title="窗口沟通", skill_type="transversal", target_level="capacity", quiz=False, lessons=1)
        make_course(s, "IT-1", title="办公信息技术", skill_type="professional", target_level="information", quiz=False,
                    lessons=1)
        for uid in people(s, sw, "C1", "staff", 6):
            answer(s, sw, uid, {"communication": E, "workflow": U})
        for uid in people(s, sw, "PC", "staff", 2):
            answer(s, sw, uid, {"communication": E})

    build(fill)
    login(client, "pboss")
    page = text(client.get(f"/manage/assignments/new?unit={sw.units['C1']}"))
    row = page.split('data-cell="transversal|capacity"')[1].split("</tr>")[0]
    assert "75" in row and "50%" in row and "COM-1" in row  # (100+100+... ) communication E, workflow U: 75, 50%
    it_row = page.split('data-cell="professional|information"')[1].split("</tr>")[0]
    assert "IT-1" in it_row and 'class="need"' in it_row  # a cell the survey did not ask
    small = text(client.get(f"/manage/assignments/new?unit={sw.units['PC']}"))
    row = small.split('data-cell="transversal|capacity"')[1].split("</tr>")[0]
    assert "&lt;5" in row and "100" not in row
    # The form still assigns as before.
    assert client.get("/manage/assignments/new").status_code == 200


def test_provincial_city_is_a_level_everywhere(build, query, sw):
    csv_text = ("code,parent_code,name,level,kind,headcount_manager,headcount_professional,headcount_staff,"
                "headcount_correspondent,valid_from\nGZ,P,广州市社会保险基金管理中心,provincial_city,social_insurance,"
                "10,20,30,,2026-01-01\n")
    result = build(lambda s: import_org_units(s, csv_text.encode(), now=NOW))
    assert result.created == 1
    assert query(lambda s: s.scalar(select(OrgUnit.level).where(OrgUnit.code == "GZ"))) == "provincial_city"
