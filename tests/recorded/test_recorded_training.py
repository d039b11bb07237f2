"""Training done elsewhere, recorded by a manager, trainer or administrator:
one by one (the form) and by CSV (any bad row refuses the whole file), an
existing completion kept as it was, the coverage counters equal to plain SQL
in the month of the training, the scope, the transcript and the list."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.learn.models import CourseCompletion, Enrolment
from lms.orgs.models import OrgUnit
from lms.orgs.scope import staff_scope
from lms.reports import counters, services
from lms.reports.models import report_unit_months
from lms.reports.services import Period
from lms.web import utcnow
from lms.zones import local_date, start_of_local_day
from tests.recorded.conftest import login
from tests.reports.test_counters import CATS, raw_figures, report_figures, snapshot

PLACE = "南京市社会保险培训中心"


def day(year: int, month: int, dd: int) -> datetime:
    """A recorded date as stored: the start of that day in the site's zone (Asia/Shanghai), in UTC."""
    return start_of_local_day(date(year, month, dd))


EVIDENCE = "签到表第12号，存玄武区社保局"


def record_form(client, course="B-101", people="u1, u2", on="2026-01-15", place=PLACE, evidence=EVIDENCE):
    return client.post("/records/new", data={"course": course, "usernames": people, "completed_on": on,
                                             "place": place, "evidence": evidence})


def upload(client, text: str):
    return client.post("/records/import", data={"file": (io.BytesIO(text.encode("utf-8")), "records.csv")},
                       content_type="multipart/form-data")


def completion(db, user, course):
    row = db.scalar(select(CourseCompletion).where(CourseCompletion.user_id == user.id,
                                                   CourseCompletion.course_id == course.id))
    db.rollback()
    return row


def count(db, model, *where) -> int:
    n = db.scalar(select(func.count()).select_from(model).where(*where))
    db.rollback()
    return int(n or 0)


def audits(db, action="training_recorded") -> list[str]:
    rows = list(db.scalars(select(AuditEvent.detail).where(AuditEvent.action == action).order_by(AuditEvent.id)))
    db.rollback()
    return rows


def assert_counters_equal_plain_sql(db):
    units = list(db.scalars(select(OrgUnit)))
    db.rollback()
    for period in (Period(end=202601), Period(start=202601, end=202601), Period(start=202602, end=202604),
                   Period(end=202606), Period(start=202606, end=202606), Period(end=202611)):
        for unit in units:
            report = services.coverage(db, unit, period)
            for cat in CATS:
                assert report_figures(report.by_category[cat]) == raw_figures(db, unit.path, period, cat), \
                    (unit.code, cat, period)
    db.rollback()


def test_form_records_several_people_in_the_month_of_the_training(app, db, tree, people):
    client = login(app.test_client(), db, people["mgr_c1"])
    january_before = services.coverage(db, tree["p"], Period(start=202601, end=202601)).by_category["staff"]
    db.rollback()
    assert (january_before.trained_in_period, january_before.completions_in_period) == (0, 0)

    response = record_form(client, people="u1, u2\nu3")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "2 completions recorded" in page
    assert "u3 · B-101" in page and "already completed" in page  # u3 completed B-101 online on 2026-04-20

    for name in ("u1", "u2"):
        done = completion(db, tree[name], tree["b"])
        assert done.completed_at == day(2026, 1, 15) == datetime(2026, 1, 14, 16)
        assert (done.source, done.recorded_by_id, done.recorded_place, done.recorded_evidence) == \
               ("recorded", people["mgr_c1"].id, PLACE, EVIDENCE)
        assert done.score is None
    # u2 was not enrolled in B-101: enrolled on the day of the training, by the record
    enrolment = db.scalar(select(Enrolment).where(Enrolment.user_id == tree["u2"].id,
                                                  Enrolment.course_id == tree["b"].id))
    assert (enrolment.source, enrolment.enrolled_at) == ("recorded", day(2026, 1, 15))
    db.rollback()
    # u3 keeps the online completion, untouched
    kept = completion(db, tree["u3"], tree["b"])
    assert (kept.completed_at, kept.source, kept.recorded_by_id) == (datetime(2026, 4, 20, 9), "online", None)

    # Counted in January 2026 (not today): u1 and u2 are now first trained in January
    january = services.coverage(db, tree["p"], Period(start=202601, end=202601)).by_category["staff"]
    assert (january.trained_in_period, january.completions_in_period) == (2, 2)
    months = {r.month: r.completions for r in db.execute(
        select(report_unit_months).where(report_unit_months.c.org_unit_id == tree["d1"].id))}
    assert months[202601] == 2 and 202611 not in months
    db.rollback()
    assert_counters_equal_plain_sql(db)
    # and the set-based rebuild agrees with what the hooks kept
    kept_counters = snapshot(db)
    counters.rebuild(db)
    assert snapshot(db) == kept_counters

    details = audits(db)
    assert len(details) == 2 and all("B-101" in d and PLACE in d and EVIDENCE in d for d in details)
    assert {d.split()[0] for d in details} == {"u1", "u2"}


def test_recording_twice_changes_nothing(app, db, tree, people):
    client = login(app.test_client(), db, people["mgr_c1"])
    assert record_form(client, people="u1").status_code == 200
    first = completion(db, tree["u1"], tree["b"])
    page = record_form(client, people="u1", on="2026-03-01", place="别处", evidence="另一张签到表").get_data(as_text=True)
    assert "0 completions recorded" in page and "already completed on" in page
    again = completion(db, tree["u1"], tree["b"])
    assert (again.id, again.completed_at, again.recorded_place, again.recorded_evidence) == \
           (first.id, day(2026, 1, 15), PLACE, EVIDENCE)
    assert len(audits(db)) == 1
    assert_counters_equal_plain_sql(db)


@pytest.mark.parametrize(("change", "message"), [
    ({"place": ""}, "Say where the training was held."),
    ({"evidence": "  "}, "Say what proves the training."),
    ({"on": "1999-12-31"}, "completed_on 1999-12-31 is before 2000"),
    ({"on": "2999-01-01"}, "completed_on 2999-01-01 is in the future"),
    ({"on": "2026-02-30"}, "Not a valid date value"),
    ({"course": "NOPE-1"}, "unknown course_code &#39;NOPE-1&#39;"),
    ({"people": "u1, ghost"}, "no person &#39;ghost&#39; in your org units"),
    ({"people": "u1 u4"}, "no person &#39;u4&#39; in your org units"),  # u4 is in C2: outside the scope
])
def test_form_refuses_bad_input_and_records_nothing(app, db, tree, people, change, message):
    client = login(app.test_client(), db, people["mgr_c1"])
    before = count(db, CourseCompletion)
    response = record_form(client, **change)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page, page
    assert count(db, CourseCompletion) == before
    assert count(db, Enrolment, Enrolment.source == "recorded") == 0
    assert audits(db) == []


def test_tomorrow_is_refused_today_is_accepted(app, db, tree, people):
    client = login(app.test_client(), db, people["mgr_c1"])
    today = local_date(utcnow())  # the site's day (Asia/Shanghai)
    assert record_form(client, people="u1", on=(today + timedelta(days=1)).isoformat()).status_code == 422
    assert record_form(client, people="u1", on=today.isoformat()).status_code == 200
    assert local_date(completion(db, tree["u1"], tree["b"]).completed_at) == today
    assert_counters_equal_plain_sql(db)


def test_csv_records_every_row_or_none(app, db, tree, people):
    client = login(app.test_client(), db, people["trainer_c1"])  # a trainer of C1 records in C1's subtree
    good = ("username,course_code,completed_on,place,evidence\n"
            f"u1,A-101,2026-01-20,{PLACE},{EVIDENCE}\n"            # u1 completed A-101 online: already
            f"u2,A-101,2026-06-03,{PLACE},\"签到表第13号, 存市局\"\n"  # enrolled, not completed: recorded
            f"u2,B-101,2025-12-31,南京市玄武区社保局,培训通知〔2025〕8号\n")
    response = upload(client, good)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "2 completions recorded" in page and "u1 · A-101" in page
    assert completion(db, tree["u2"], tree["a"]).completed_at == day(2026, 6, 3)
    assert completion(db, tree["u2"], tree["b"]).recorded_evidence == "培训通知〔2025〕8号"
    assert completion(db, tree["u1"], tree["a"]).completed_at == datetime(2026, 2, 10, 9)  # kept
    assert len(audits(db)) == 2
    assert_counters_equal_plain_sql(db)


def test_csv_with_bad_rows_lists_each_and_records_nothing(app, db, tree, people):
    client = login(app.test_client(), db, people["mgr_c1"])
    before, before_enrolments = count(db, CourseCompletion), count(db, Enrolment)
    bad = ("username,course_code,completed_on,place,evidence\n"
           f"u2,B-101,2026-01-15,{PLACE},{EVIDENCE}\n"        # 2: good on its own
           f"u4,B-101,2026-01-15,{PLACE},{EVIDENCE}\n"        # 3: C2, outside the scope
           f"u1,X-999,2026-01-15,{PLACE},{EVIDENCE}\n"        # 4: no such course
           f"u1,B-101,15/01/2026,{PLACE},{EVIDENCE}\n"        # 5: not YYYY-MM-DD
           f"u5,B-101,2999-01-01,{PLACE},{EVIDENCE}\n"        # 6: future (and u5 is in P: outside)
           f"u3,B-101,2026-01-15,{PLACE},\n"                  # 7: no evidence
           f"u2,B-101,2026-02-15,{PLACE},{EVIDENCE}\n")       # 8: the same person and course as line 2
    response = upload(client, bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "nothing was recorded" in page
    for expected in ("line 3: no person &#39;u4&#39; in your org units",
                     "line 4: unknown course_code &#39;X-999&#39;",
                     "line 5: bad completed_on &#39;15/01/2026&#39; (YYYY-MM-DD)",
                     "line 6: completed_on 2999-01-01 is in the future",
                     "line 6: no person &#39;u5&#39; in your org units",
                     "line 7: evidence is required",
                     "line 8: u2 and B-101 also on line 2"):
        assert expected in page, expected
    assert "line 2:" not in page
    assert count(db, CourseCompletion) == before and count(db, Enrolment) == before_enrolments
    assert audits(db) == []

    missing_column = upload(client, "username,course_code,completed_on,place\nu2,B-101,2026-01-15,x\n")
    assert missing_column.status_code == 422 and "missing column(s): evidence" in missing_column.get_data(as_text=True)
    assert count(db, CourseCompletion) == before


def test_a_manager_of_another_unit_cannot_record_or_see(app, db, tree, people):
    c1 = login(app.test_client(), db, people["mgr_c1"])
    assert record_form(c1, people="u1").status_code == 200
    c2 = login(app.test_client(), db, people["mgr_c2"])
    response = record_form(c2, people="u2")
    assert response.status_code == 422 and "no person &#39;u2&#39; in your org units" in response.get_data(as_text=True)
    assert completion(db, tree["u2"], tree["b"]) is None
    listing = c2.get("/records/").get_data(as_text=True)
    assert 'data-user="u1"' not in listing and "0 recorded completions" in listing
    assert 'data-user="u1"' in c1.get("/records/").get_data(as_text=True)
    # a learner may not reach the pages at all
    learner = login(app.test_client(), db, tree["u1"])
    assert learner.get("/records/").status_code == 403
    assert record_form(learner, people="u1").status_code == 403
    assert count(db, CourseCompletion, CourseCompletion.source == "recorded") == 1


def test_admin_records_anyone(app, db, tree, people):
    client = login(app.test_client(), db, people["admin"])
    deactivated = record_form(client, people="u5 u6")
    assert deactivated.status_code == 422 and "&#39;u6&#39; is not an active account" in deactivated.get_data(as_text=True)
    assert completion(db, tree["u5"], tree["b"]) is None
    # 1 February in Beijing is still 31 January in UTC: the training counts in February
    assert record_form(client, people="u4 u5", on="2026-02-01").status_code == 200
    assert completion(db, tree["u5"], tree["b"]).source == "recorded"
    assert completion(db, tree["u5"], tree["b"]).completed_at == datetime(2026, 1, 31, 16)
    months = {r.month: r.completions for r in db.execute(
        select(report_unit_months).where(report_unit_months.c.org_unit_id == tree["p"].id))}
    db.rollback()
    assert months == {202602: 1}
    february = services.coverage(db, tree["p"], Period(start=202602, end=202602)).by_category["staff"]
    db.rollback()
    assert february.trained_in_period == 2  # u1 (A-101 online on 10 February) and u5
    assert services.coverage(db, tree["p"], Period(start=202601, end=202601)).by_category["staff"].trained_in_period == 0
    db.rollback()
    assert completion(db, tree["u4"], tree["b"]).source == "online"  # completed online in May: kept
    assert_counters_equal_plain_sql(db)


def test_transcript_and_course_report_show_the_record(app, db, tree, people):
    manager = login(app.test_client(), db, people["mgr_c1"])
    assert record_form(manager, people="u2").status_code == 200
    learner = login(app.test_client(), db, tree["u2"])
    page = learner.get(f"/reports/learners/{tree['u2'].id}").get_data(as_text=True)
    assert "B-101" in page
    recorded_on = date.today()  # the server's day of recording (shown in the platform's time zone)
    assert "recorded by 王经理 on" in page and f": {PLACE}" in page
    assert str(recorded_on.year) in page
    export = learner.get(f"/reports/learners/{tree['u2'].id}/transcript.csv").get_data(as_text=True)
    line = next(line for line in export.splitlines() if line.startswith("B-101"))
    assert "2026-01-15" in line and "recorded by 王经理 on" in line and PLACE in line
    a101 = next(line for line in export.splitlines() if line.startswith("A-101"))
    assert "recorded by" not in a101

    report = manager.get("/reports/courses/B-101", query_string={"unit": tree["c1"].id, "end": "2026-11"})
    assert report.status_code == 200
    body = report.get_data(as_text=True)
    d1_row = body.split('data-unit="D1"')[1].split("</tr>")[0]
    assert '<td class="num recorded">1</td>' in d1_row


def test_list_filters_and_pages(app, db, tree, people):
    client = login(app.test_client(), db, people["admin"])
    assert record_form(client, people="u1 u2 u5", on="2026-01-15").status_code == 200
    assert record_form(client, course="A-101", people="u2", on="2026-06-01", place="苏州", evidence="证书").status_code == 200
    everything = client.get("/records/").get_data(as_text=True)
    assert "4 recorded completions" in everything
    by_course = client.get("/records/", query_string={"course": tree["a"].id}).get_data(as_text=True)
    assert "1 recorded completion" in by_course and 'data-course="A-101"' in by_course
    assert 'data-course="B-101"' not in by_course
    assert "1 recorded completion" in client.get("/records/", query_string={"q": "苏州"}).get_data(as_text=True)
    assert "3 recorded completions" in client.get("/records/", query_string={"until": "2026-01-31"}).get_data(as_text=True)
    assert "1 recorded completion" in client.get("/records/", query_string={"since": "2026-06-01"}).get_data(as_text=True)
    junk = client.get("/records/", query_string={"since": "yesterday", "page": "99999999999", "course": "x"})
    assert junk.status_code == 200

    from lms.evaluations import recorded
    rows, total = recorded.recorded_page(db, staff_scope(db, people["admin"]), per_page=3, page=2)
    assert total == 4 and len(rows) == 1
    db.rollback()
    paged = client.get("/records/", query_string={"page": 1})
    assert paged.status_code == 200


def test_csv_template_names_the_columns(app, db, people):
    client = login(app.test_client(), db, people["trainer_c1"])
    response = client.get("/records/template.csv")
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip("\ufeff").strip() == "username,course_code,completed_on,place,evidence,mode"
