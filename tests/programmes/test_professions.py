"""Professions: set by the user import and in People, a target of
assignments, a filter of the learners and programme reports (within scope)."""
from __future__ import annotations

import html
import io
from datetime import date

from sqlalchemy import select

from lms.assignments.models import AssignmentMember
from lms.auth.models import User
from lms.orgs.models import OrgUnit
from lms.orgs.services import set_headcount
from lms.programmes import services
from tests.builders import NOW
from tests.programmes.helpers import courses, finish, spec
from tests.web.helpers import login, text

HEADER = "username,full_name,email,org_unit_code,staff_category,roles,language,profession\n"


def professions(query) -> dict[str, str | None]:
    return query(lambda s: {u: p for u, p in s.execute(select(User.username, User.profession)).all()})


def import_file(client, body: str):
    return client.post("/admin/users/import", data={"file": (io.BytesIO(body.encode()), "p.csv")},
                       content_type="multipart/form-data")


def test_user_import_sets_clears_and_refuses_professions(client, world, query):
    login(client, "admin")
    good = import_file(client, HEADER + "t1,T,,NJ,staff,,zh_CN,trainer\nxwstaff,X,,XW,staff,,zh_CN,hr_manager\n")
    assert "1 created, 1 updated" in text(good)
    assert professions(query)["t1"] == "trainer" and professions(query)["xwstaff"] == "hr_manager"
    bad = import_file(client, HEADER + "t2,T,,NJ,staff,,zh_CN,\nt1,T,,NJ,staff,,zh_CN,astronaut\n")
    assert bad.status_code == 422
    assert "line 3: bad profession 'astronaut'" in html.unescape(text(bad))
    assert "t2" not in professions(query) and professions(query)["t1"] == "trainer"  # nothing changed
    # Without the column the profession stays; an empty value clears it.
    import_file(client, "username,org_unit_code,staff_category\nt1,NJ,professional\n")
    assert professions(query)["t1"] == "trainer"
    import_file(client, HEADER + "t1,T,,NJ,staff,,zh_CN,\n")
    assert professions(query)["t1"] is None


def test_people_edit_form_sets_the_profession(client, world, query):
    login(client, "njboss")
    uid = world.users["xwstaff"]
    data = {"org_unit_id": world.units["XW"], "full_name": "X", "email": "", "staff_category": "staff",
            "language": "zh_CN", "status": "active"}
    assert client.post(f"/admin/users/{uid}", data=data | {"profession": "training_engineer"}).status_code == 302
    assert professions(query)["xwstaff"] == "training_engineer"
    assert 'selected value="training_engineer"' in text(client.get(f"/admin/users/{uid}"))
    refused = client.post(f"/admin/users/{uid}", data=data | {"profession": "astronaut"})
    assert "Unknown profession." in text(refused)
    assert professions(query)["xwstaff"] == "training_engineer"
    client.post(f"/admin/users/{uid}", data=data | {"profession": ""})
    assert professions(query)["xwstaff"] is None


def test_an_assignment_for_a_profession_enrols_only_its_people(client, world, build, query):
    course = build(lambda s: courses(s, "A-1")["A-1"].id)
    build(lambda s: setattr(s.get(User, world.users["njprof"]), "profession", "trainer"))
    login(client, "njboss")
    response = client.post("/manage/assignments/new", data={
        "courses": str(course), "org_unit_id": world.units["NJ"], "categories": ["professional", "staff"],
        "due_on": "2099-01-01", "profession": "trainer"})
    assert response.status_code == 302
    members = lambda: set(query(lambda s: list(s.scalars(  # noqa: E731
        select(User.username).join(AssignmentMember, AssignmentMember.user_id == User.id)))))
    assert members() == {"njprof"}
    # Someone who takes up the profession later joins (People edit).
    uid = world.users["xwstaff"]
    client.post(f"/admin/users/{uid}", data={"org_unit_id": world.units["XW"], "full_name": "X", "email": "",
                                             "staff_category": "staff", "language": "zh_CN", "status": "active",
                                             "profession": "trainer"})
    assert members() == {"njprof", "xwstaff"}
    unknown = client.post("/manage/assignments/new", data={
        "courses": str(course), "org_unit_id": world.units["NJ"], "categories": ["staff"],
        "due_on": "2099-01-01", "profession": "astronaut"})
    assert "Unknown profession." in text(unknown)


def _programme_world(build, world):
    def setup(s):
        c = courses(s, "A-1", "A-2", "B-1", "B-2", "B-3")
        services.import_programme(s, spec(), now=NOW, publish=True)
        for name, prof in (("xwstaff", "trainer"), ("szstaff", "trainer"), ("njprof", "hr_manager")):
            user = s.get(User, world.users[name])
            user.profession = prof
            for code in ("A-1", "A-2", "B-1", "B-2"):
                finish(s, user, c[code])
        finish(s, s.get(User, world.users["xwcorr"]), c["A-1"])
        nj = s.get(OrgUnit, world.units["NJ"])
        set_headcount(s, nj, staff_category="staff", valid_from=date(2026, 1, 1), headcount=4)
    build(setup)


def test_programme_report_counts_within_scope_and_filters_by_profession(client, world, build, completed_events):
    _programme_world(build, world)
    login(client, "njboss")  # manages NJ: xwstaff, xwcorr, njprof, ...; not szstaff (SZ)
    page = text(client.get("/reports/programmes/PG-T"))
    assert "<td>XW 单位</td>" in page and "<td>NJ 单位</td>" in page  # xwstaff, njprof
    assert "SZ 单位" not in page  # szstaff completed it too, outside the scope
    csv = client.get("/reports/programmes/PG-T.csv?table=categories").get_data(as_text=True)
    staff_line = next(line for line in csv.splitlines() if line.startswith("Common staff"))
    # Staff of NJ's subtree: headcount 4, registered 1 (xwstaff), completed 1 -> 25%.
    assert staff_line.split(",")[1:] == ["4", "1", "1", "25.0%"], staff_line
    units = client.get("/reports/programmes/PG-T.csv?table=units&category=staff").get_data(as_text=True)
    # Per unit (staff only): NJ's own staff (headcount 4, nobody registered), then the child XW.
    assert units.splitlines()[1:] == ["NJ,NJ 单位 (own staff),4,0,0,0.0%", "XW,XW 单位,0,1,1,"]
    people = client.get("/reports/programmes/PG-T.csv?table=people").get_data(as_text=True)
    assert "xwstaff" in people and "xwcorr" in people and "njprof" in people and "szstaff" not in people
    trainers = client.get("/reports/programmes/PG-T.csv?table=people&profession=trainer").get_data(as_text=True)
    assert "xwstaff" in trainers and "njprof" not in trainers and "xwcorr" not in trainers
    assert client.get("/reports/programmes/PG-T?profession=astronaut").status_code == 400
    assert client.get(f"/reports/programmes/PG-T?unit={world.units['SZ']}").status_code == 404
    xlsx = client.get("/reports/programmes/PG-T.xlsx?table=people")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_learners_report_filters_by_profession(client, world, build):
    build(lambda s: setattr(s.get(User, world.users["xwstaff"]), "profession", "it"))
    login(client, "njboss")
    page = text(client.get("/reports/learners?profession=it"))
    assert "xwstaff" in page and "njprof" not in page
    csv = client.get("/reports/learners.csv?profession=it").get_data(as_text=True)
    assert "xwstaff" in csv and "njprof" not in csv
    assert client.get("/reports/learners?profession=nope").status_code == 400
