"""Times are stored in UTC and read in the site's zone (Asia/Shanghai by
default) or the person's own; reports count months in the site's zone."""
from __future__ import annotations

from datetime import date, datetime

from lms.learn import services as learning
from lms.reports import counters, services
from lms.reports.services import Period
from lms.zones import local_date, month_of, start_of_local_day
from tests.builders import make_course, make_user
from tests.reports.conftest import complete, unit
from tests.web.helpers import login


def test_a_completion_early_on_the_first_of_a_month_belongs_to_that_month(db):
    # 07:30 in Beijing on 1 March is 23:30 UTC on 28 February.
    moment = datetime(2026, 2, 28, 23, 30)
    assert month_of(moment) == 202603 and local_date(moment) == date(2026, 3, 1)
    assert start_of_local_day(date(2026, 3, 1)) == datetime(2026, 2, 28, 16, 0)
    n = unit(db, "N", "national")
    course = make_course(db, "TZ-1", lessons=1, quiz=False)
    person = make_user(db, username="early", staff_category="staff", org_unit_id=n.id)
    complete(db, person, course, moment)
    march = services.coverage(db, n, Period(start=202603, end=202603), category="staff").total
    february = services.coverage(db, n, Period(start=202602, end=202602), category="staff").total
    assert (march.completions_in_period, february.completions_in_period) == (1, 0)
    assert services.coverage(db, n, Period(end=202602), category="staff").total.completed == 0
    counters.rebuild(db)  # the set-based rebuild (SQL) agrees with the counters kept on the way
    march = services.coverage(db, n, Period(start=202603, end=202603), category="staff").total
    assert march.completions_in_period == 1


def test_times_on_pages_are_in_the_site_zone_or_the_persons_own(app, db, client):
    course = make_course(db, "TZ-2", lessons=1)
    person = make_user(db, username="reader")
    learning.enrol(db, user_id=person.id, course=course, now=datetime(2026, 11, 29, 23, 0))
    learning.start_attempt(db, user_id=person.id, quiz=course.quiz, now=datetime(2026, 11, 29, 23, 48))
    db.commit()
    assert login(client, "reader").status_code == 302
    page = client.get("/courses/TZ-2/quiz").get_data(as_text=True)
    assert "07:48" in page and "23:48" not in page  # Beijing: the next morning
    assert client.post("/auth/preferences", data={"timezone": "Asia/Urumqi"}).status_code == 302
    page = client.get("/courses/TZ-2/quiz").get_data(as_text=True)
    assert "05:48" in page  # Urumqi is UTC+6
    assert client.post("/auth/preferences", data={"timezone": "Mars/Olympus"}).status_code == 200  # refused
    db.expire_all()
    assert db.get(type(person), person.id).timezone == "Asia/Urumqi"
