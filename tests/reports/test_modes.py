"""The mode of training (online, classroom, blended) in the coverage report
(issue 15): each completion keeps the mode of the version the person followed
(or the one the recorder gave), the report filters by it and shows the people
trained per mode, on the page, in the exports and in the API, and a database
migrated from before the modes gets them and its counters.

The known tree (tests/reports/conftest.py) has online completions only: u1
(D1, A, February), u3 (C1, A in March and B in April), u4 (C2, B in May).
Here u2 (D1) is recorded as trained in a classroom on B in March and u4 as
trained blended on A in June."""
from __future__ import annotations

import csv
import dataclasses
import io
import textwrap
from datetime import date, datetime

import pytest
from sqlalchemy import select

from content import load_package_from_files
from lms import create_app
from lms.auth.services import create_api_token
from lms.courses import services as catalog
from lms.courses.models import Course
from lms.evaluations import recorded
from lms.learn.models import CourseCompletion
from lms.migrate import downgrade, upgrade
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope
from lms.reports import counters, services
from lms.reports.models import cell_column, report_learner_modes
from lms.reports.services import Period
from lms.web import utcnow
from tests.builders import NOW, course_files, make_course, make_user
from tests.recorded.conftest import login
from tests.reports.conftest import complete, unit
from tests.reports.test_web_reports import validate
from tests.test_migration_0006 import reading, scratch_url  # noqa: F401 - fixture

NOVEMBER = Period(end=202611)


@pytest.fixture
def trained(db, tree):
    admin = make_user(db, username="root", staff_category="manager", roles=("admin",), language="en")
    manager = make_user(db, username="mgr-p", staff_category="manager", roles=("manager",), org_unit_id=tree["p"].id,
                        language="en")
    everywhere = Scope(everything=True)
    recorded.record_training(db, recorder=admin, scope=everywhere, course_code="B-101", usernames=["u2"],
                             completed_on=date(2026, 3, 15), place="培训中心", evidence="签到表",
                             now=datetime(2026, 3, 16), today=date(2026, 3, 16), mode="classroom")
    recorded.record_training(db, recorder=admin, scope=everywhere, course_code="A-101", usernames=["u4"],
                             completed_on=date(2026, 6, 1), place="苏州市局", evidence="评定表",
                             now=datetime(2026, 6, 2), today=date(2026, 6, 2), mode="blended")
    db.commit()
    return {**tree, "admin": admin, "manager": manager}


def test_the_filter_counts_the_completions_of_one_mode(db, trained):
    p = trained["p"]
    everyone = services.coverage(db, p, NOVEMBER)
    assert everyone.total.completed == 4
    assert everyone.total.modes == {"online": 3, "classroom": 1, "blended": 1}  # u4 counts online and blended
    classroom = services.coverage(db, p, NOVEMBER, mode="classroom")
    assert (classroom.total.completed, classroom.total.completions_in_period) == (1, 1)
    assert classroom.total.cells[cell_column("social-security", "expertise")] == 1
    assert classroom.total.cells[cell_column("transversal", "information")] == 0
    # Headcount, registered and enrolled are everyone's whatever the mode.
    assert (classroom.total.headcount, classroom.total.registered, classroom.total.enrolled) == \
        (everyone.total.headcount, everyone.total.registered, everyone.total.enrolled)
    assert {r.unit.code: r.figures.completed for r in classroom.rows} == {"P": 0, "C1": 1, "C2": 0}
    online = services.coverage(db, p, NOVEMBER, mode="online")
    assert online.total.completed == 3
    assert online.by_category["manager"].completed == 1 and online.by_category["staff"].completed == 2

    summer = Period(start=202606, end=202611)
    blended = services.coverage(db, p, summer, mode="blended")
    assert (blended.total.completed, blended.total.trained_in_period, blended.total.completions_in_period) == (1, 1, 1)
    assert services.coverage(db, p, summer, mode="online").total.trained_in_period == 0
    assert [m.month for m in blended.months if m.completions] == [202606]
    spring = services.coverage(db, p, Period(start=202603, end=202605), mode="classroom")
    assert (spring.total.trained_in_period, spring.total.completed) == (1, 1)
    assert services.coverage(db, p, Period(end=202602), mode="classroom").total.completed == 0


def blended_course(db):
    """W-201: a lesson and an on-the-job task that is not required: blended, completed by the lesson."""
    files = course_files("W-201", skill_type="professional", target_level="capacity", lessons=1, quiz=False)
    files["course.toml"] += textwrap.dedent('''
        [[tasks]]
        slug = "practice"
        title = "在岗练习"

        [completion]
        tasks = false
    ''').encode()
    files["tasks/practice.md"] = "在本单位窗口练习一次。\n".encode()
    return catalog.import_course(db, load_package_from_files(files), now=NOW).course


def publish_without_tasks(db, course, version):
    """A next version, the same without the on-the-job task: online."""
    follow_up = catalog.new_version(db, course, now=NOW, user_id=None, based_on=version)
    spec = catalog.version_spec(version)
    catalog.fill_version(db, follow_up, dataclasses.replace(spec, tasks=()))
    catalog.publish_version(db, follow_up, now=NOW)
    return follow_up


def test_a_completion_keeps_the_mode_of_the_version_followed(db, tree):
    """A course whose version has on-the-job work (not required) is blended; its
    next version without the work is online. Completions keep their mode."""
    course = blended_course(db)
    first = catalog.published_version(db, course.id)
    assert (first.delivery_mode, course.delivery_mode) == ("blended", "blended")
    complete(db, tree["u2"], course, datetime(2026, 7, 1, 9))

    follow_up = publish_without_tasks(db, course, first)
    assert (follow_up.delivery_mode, course.delivery_mode) == ("online", "online")
    complete(db, tree["u5"], course, datetime(2026, 8, 1, 9))  # u5 enrols now: follows the new version
    db.commit()

    modes = dict(db.execute(select(CourseCompletion.user_id, CourseCompletion.mode)
                            .where(CourseCompletion.course_id == course.id)).all())
    assert modes == {tree["u2"].id: "blended", tree["u5"].id: "online"}
    report = services.coverage(db, tree["p"], NOVEMBER, mode="blended")
    assert report.total.cells[cell_column("professional", "capacity")] == 1


def test_recorded_training_takes_its_mode_from_the_form_and_the_file(app, db, trained):
    client = login(app.test_client(), db, trained["admin"])
    response = client.post("/records/new", data={"course": "B-101", "usernames": "u5", "completed_on": "2026-09-01",
                                                 "place": "江苏省培训中心", "evidence": "签到表第3号", "mode": "blended"})
    assert response.status_code == 200, response.get_data(as_text=True)
    sheet = ("username,course_code,completed_on,place,evidence,mode\r\n"
             "u1,B-101,2026-09-02,南京,签到表,online\r\n"
             "u2,A-101,2026-09-02,南京,签到表,\r\n")
    upload = client.post("/records/import", content_type="multipart/form-data",
                         data={"file": (io.BytesIO(sheet.encode()), "records.csv")})
    assert upload.status_code == 200, upload.get_data(as_text=True)
    rows = dict(db.execute(select(CourseCompletion.user_id, CourseCompletion.mode)
                           .where(CourseCompletion.source == "recorded", CourseCompletion.completed_at >= datetime(2026, 8, 1)))
                .all())
    assert rows == {trained["u5"].id: "blended", trained["u1"].id: "online", trained["u2"].id: "classroom"}
    listing = client.get("/records/").get_data(as_text=True)
    assert "Blended" in listing and "Classroom" in listing


@pytest.mark.parametrize("mode", ["room", "ONLINE classroom"])
def test_a_bad_mode_refuses_the_file_and_the_form(app, db, trained, mode):
    client = login(app.test_client(), db, trained["admin"])
    before = db.scalar(select(CourseCompletion.id).order_by(CourseCompletion.id.desc()).limit(1))
    db.rollback()
    sheet = f"username,course_code,completed_on,place,evidence,mode\r\nu5,A-101,2026-09-02,南京,签到表,{mode}\r\n"
    upload = client.post("/records/import", content_type="multipart/form-data",
                         data={"file": (io.BytesIO(sheet.encode()), "records.csv")})
    assert upload.status_code == 422
    assert "bad mode" in upload.get_data(as_text=True)
    form = client.post("/records/new", data={"course": "A-101", "usernames": "u5", "completed_on": "2026-09-01",
                                             "place": "南京", "evidence": "签到表", "mode": mode})
    assert form.status_code == 422
    assert db.scalar(select(CourseCompletion.id).order_by(CourseCompletion.id.desc()).limit(1)) == before


def test_page_export_and_api_show_the_modes(app, db, trained):
    client = login(app.test_client(), db, trained["manager"])
    query = {"unit": trained["p"].id, "mode": "classroom"}
    page = client.get("/reports/coverage", query_string=query)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<option value="classroom" selected>' in html
    assert "Only training of mode Classroom" in html
    modes_table = html.split('id="modes"')[1].split("</section>")[0]
    assert '<tr data-category="total"><th scope="row">Total</th><td class="num" data-mode="online">3</td>' \
           '<td class="num" data-mode="classroom">1</td><td class="num" data-mode="blended">1</td>' in modes_table
    units = client.get("/reports/coverage.csv", query_string={**query, "table": "units"})
    rows = list(csv.reader(io.StringIO(units.get_data(as_text=True).lstrip("\ufeff"))))
    header = next(r for r in rows if r and r[0] == "Org unit code")
    completed = header.index("Completed at least one course")
    by_unit = {r[0]: r for r in rows[rows.index(header) + 1:] if r and r[0]}
    assert {code: by_unit[code][completed] for code in ("P", "C1", "C2")} == {"P": "0", "C1": "1", "C2": "0"}
    assert header[-3:] == ["Trained: Online", "Trained: Classroom", "Trained: Blended"]
    assert by_unit["C2"][-3:] == ["1", "0", "1"]  # u4: online in May, blended in June

    modes = client.get("/reports/coverage.csv", query_string={"unit": trained["p"].id, "table": "modes"})
    rows = list(csv.reader(io.StringIO(modes.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[-1] == ["Total", "3", "1", "1"]

    token = create_api_token(db, user=trained["manager"], now=utcnow())
    db.commit()
    auth = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/reports/coverage", query_string=query, headers=auth).get_json()
    validate(body, "CoverageReport")
    assert (body["mode"], body["total"]["completed"]) == ("classroom", 1)
    assert body["total"]["trained_by_mode"] == {"online": 3, "classroom": 1, "blended": 1}
    assert client.get("/api/v1/reports/coverage", query_string={"mode": "room"}, headers=auth).status_code == 400
    transcript = client.get(f"/api/v1/reports/learners/{trained['u4'].id}/transcript", headers=auth).get_json()
    validate(transcript, "Transcript")
    assert {c["code"]: c["mode"] for c in transcript["courses"]} == {"B-101": "online", "A-101": "blended"}
    page = client.get(f"/reports/learners/{trained['u2'].id}").get_data(as_text=True)
    assert '<span class="mode" data-mode="classroom">· Classroom</span>' in page
    bad = client.get("/reports/coverage", query_string={"unit": trained["p"].id, "mode": "room"})
    assert bad.status_code == 400 and "Unknown mode of training." in bad.get_data(as_text=True)


def test_a_database_from_before_the_modes_gets_them(scratch_url, tmp_path):  # noqa: F811 - the fixture
    """Completions made before revision 0018 take their course's mode (recorded
    ones: classroom) and `lms migrate` fills the counters by mode."""
    upgrade(scratch_url)
    app = create_app({"DATABASE_URL": scratch_url, "SECRET_KEY": "x", "ENVIRON": {"LMS_SECRET_KEY": "x"},
                      "MEDIA_FOLDER": str(tmp_path / "media"), "WTF_CSRF_ENABLED": False, "NOW": lambda: NOW})
    with app.extensions["lms_db"].transaction() as session:
        root = unit(session, "N", "national")
        admin = make_user(session, username="root", roles=("admin",))
        people = [make_user(session, username=f"m{i}", org_unit_id=root.id) for i in range(2)]
        course = make_course(session, "M-101", lessons=1, quiz=False)
        complete(session, people[0], course, datetime(2026, 5, 1, 9))
        recorded.record_training(session, recorder=admin, scope=Scope(everything=True), course_code="M-101",
                                 usernames=["m1"], completed_on=date(2026, 5, 2), place="中心", evidence="签到表",
                                 now=datetime(2026, 5, 3), today=date(2026, 5, 3), mode="online")

    downgrade(scratch_url, "0017")
    upgrade(scratch_url)
    with reading(scratch_url) as session:
        assert sorted(session.execute(select(CourseCompletion.source, CourseCompletion.mode)).all()) == \
            [("online", "online"), ("recorded", "classroom")]
        assert session.scalar(select(report_learner_modes.c.user_id).limit(1)) is None
        assert counters.mode_counters_missing(session)
    result = app.test_cli_runner().invoke(args=["lms", "migrate"])
    assert result.exit_code == 0, result.output
    assert "report counters rebuilt with the modes of training" in result.output
    with reading(scratch_url) as session:
        assert not counters.mode_counters_missing(session)
        root = session.scalars(select(OrgUnit)).one()
        assert services.coverage(session, root, NOVEMBER).total.modes == {"online": 1, "classroom": 1, "blended": 0}
    again = app.test_cli_runner().invoke(args=["lms", "migrate"])
    assert "rebuilt" not in again.output


def _migrated_app(url, tmp_path):
    upgrade(url)
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "ENVIRON": {"LMS_SECRET_KEY": "x"},
                       "MEDIA_FOLDER": str(tmp_path / "media"), "WTF_CSRF_ENABLED": False, "NOW": lambda: NOW})


def test_a_completion_between_the_upgrade_and_the_rebuild_is_healed(scratch_url, tmp_path):  # noqa: F811
    """A learner finishing a course between 0018 and `lms migrate`'s rebuild
    (the site kept serving) must not leave the others uncounted by mode."""
    app = _migrated_app(scratch_url, tmp_path)
    with app.extensions["lms_db"].transaction() as session:
        root = unit(session, "N", "national")
        people = [make_user(session, username=f"m{i}", org_unit_id=root.id) for i in range(3)]
        course, other = make_course(session, "M-101", lessons=1, quiz=False), make_course(session, "M-102", lessons=1, quiz=False)
        complete(session, people[0], course, datetime(2026, 5, 1, 9))
        complete(session, people[1], course, datetime(2026, 5, 2, 9))
        ids = (people[2].id, other.id)
    downgrade(scratch_url, "0017")
    upgrade(scratch_url)  # the Alembic step of `lms migrate`, then a completion before its rebuild
    with app.extensions["lms_db"].transaction() as session:
        complete(session, session.get(type(people[2]), ids[0]), session.get(type(other), ids[1]), datetime(2026, 6, 1, 9))
        assert counters.mode_counters_missing(session)
    result = app.test_cli_runner().invoke(args=["lms", "migrate"])
    assert "report counters rebuilt" in result.output, result.output
    with reading(scratch_url) as session:
        root = session.scalars(select(OrgUnit)).one()
        assert services.coverage(session, root, NOVEMBER).total.modes["online"] == 3
        assert services.coverage(session, root, NOVEMBER, mode="online").total.completed == 3


def test_the_backfill_takes_the_version_the_person_followed(scratch_url, tmp_path):  # noqa: F811
    """A completion of a blended first version stays blended after 0018, though
    the course's live version is online now."""
    app = _migrated_app(scratch_url, tmp_path)
    with app.extensions["lms_db"].transaction() as db:
        root = unit(db, "N", "national")
        learner = make_user(db, username="m0", org_unit_id=root.id)
        course = blended_course(db)
        first = catalog.published_version(db, course.id)
        complete(db, learner, course, datetime(2026, 7, 1, 9))
        publish_without_tasks(db, course, first)
    downgrade(scratch_url, "0017")
    upgrade(scratch_url)
    with reading(scratch_url) as session:
        assert session.scalars(select(CourseCompletion.mode)).all() == ["blended"]
        assert session.scalars(select(Course.delivery_mode)).all() == ["online"]
