"""The review cycle (issue 18): policy-as-of and review-by dates in packages, the
editor, the course page and the API; the authors' queue of courses due for
review and its reminders; the courses report's review filter; and the rule
that publishing a new version needs new dates once the old ones have passed."""
from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from content import PackageInvalid, dump_package, load_package, load_package_from_files, load_package_zip
from content.spec import TERMS_FIELDS, content_hash
from lms.assignments.models import OutboxMessage
from lms.auth.models import User
from lms.authoring import services as authoring
from lms.authoring.services import AuthoringError, Metadata
from lms.courses import services as catalog
from lms.courses.models import Course, CourseVersion
from lms.orgs.services import create_unit
from tests import builders
from tests.assignments.test_reminders import Sink, aiosmtpd, free_port
from tests.builders import NOW
from tests.web.helpers import login, text

TODAY = date(2026, 11, 30)
NOW_TODAY = datetime(2026, 11, 30, 8, 0)


def dated_files(code: str, policy: date | None, review: date | None, **kwargs) -> dict[str, bytes]:
    files = builders.course_files(code, **kwargs)
    lines = [f"policy_as_of = {policy.isoformat()}" if policy else "", f"review_by = {review.isoformat()}" if review else ""]
    toml = files["course.toml"].decode().replace("[terms]", "\n".join(lines) + "\n[terms]", 1)
    files["course.toml"] = toml.encode()
    return files


def dated_course(session, code: str, policy: date | None, review: date | None, **kwargs) -> Course:
    spec = load_package_from_files(dated_files(code, policy, review, title=f"课程 {code}", **kwargs))
    return catalog.import_course(session, spec, now=NOW).course


def _client(app, username):
    client = app.test_client()
    login(client, username)
    return client


@pytest.fixture
def pinned(app):
    app.config["NOW"] = lambda: NOW_TODAY
    return app


@pytest.fixture
def catalogue(build, pinned):
    """Overdue, due, not yet due, a never-published draft and a withdrawn course, all dated."""
    def make(s):
        writer = builders.make_user(s, username="writer", roles=("author",), language="en")
        builders.make_user(s, username="pupil", language="en")
        builders.make_user(s, username="boss", roles=("manager",), staff_category="manager")
        dated_course(s, "OV-1", date(2025, 11, 1), TODAY - timedelta(days=5))
        dated_course(s, "DU-1", date(2025, 12, 1), TODAY + timedelta(days=10))
        dated_course(s, "LATER-1", date(2026, 11, 1), TODAY + timedelta(days=100))
        dated_course(s, "PLAIN-1", None, None)
        archived = dated_course(s, "GONE-1", date(2024, 1, 1), TODAY - timedelta(days=30))
        authoring.archive_course(s, archived, user=writer, now=NOW)
        authoring.create_course(s, code="DRAFT-1", data=Metadata(title="草稿", policy_as_of=date(2024, 1, 1),
                                                                  review_by=date(2025, 1, 1)), user=writer, now=NOW)
    build(make)


# ---- the package format --------------------------------------------------------------------

def test_package_round_trip_keeps_the_dates_and_hashes_them_only_when_set():
    spec = load_package_from_files(dated_files("RT-1", date(2026, 11, 1), date(2027, 11, 1)))
    assert (spec.policy_as_of, spec.review_by) == (date(2026, 11, 1), date(2027, 11, 1))
    written = dump_package(spec)
    assert b"policy_as_of = 2026-11-01\nreview_by = 2027-11-01" in written["course.toml"]
    again = load_package_from_files(written)
    assert (again.policy_as_of, again.review_by) == (spec.policy_as_of, spec.review_by)
    assert content_hash(again) == content_hash(spec)
    undated = load_package_from_files(builders.course_files("RT-1"))
    # A package without dates keeps the hash it had before the dates existed; new dates change it.
    assert content_hash(dataclasses.replace(spec, policy_as_of=None, review_by=None)) == content_hash(undated)
    assert content_hash(dataclasses.replace(spec, review_by=date(2028, 1, 1))) != content_hash(spec)
    assert b"review_by" not in dump_package(undated)["course.toml"]


@pytest.mark.parametrize(("policy", "review", "message"), [
    ("2026-11-01", '"next year"', "review_by: 'next year' is not a date; write it as YYYY-MM-DD"),
    ("2026-11-01", "2026-10-01", "review_by: must be after policy_as_of (2026-11-01), not 2026-10-01"),
    ("2026-11-01", "2026-11-01", "review_by: must be after policy_as_of (2026-11-01), not 2026-11-01"),
    ("20261101", "2027-11-01", "policy_as_of: must be a date (YYYY-MM-DD, e.g. 2027-01-01), not an integer"),
    ("2026-11-01T08:00:00", "2027-11-01", "policy_as_of: must be a date (YYYY-MM-DD"),
])
def test_a_bad_date_is_refused_with_a_clear_message(policy, review, message):
    files = builders.course_files("BAD-1")
    files["course.toml"] = files["course.toml"].replace(
        b"[terms]", f"policy_as_of = {policy}\nreview_by = {review}\n[terms]".encode())
    with pytest.raises(PackageInvalid) as refused:
        load_package_from_files(files)
    assert message in str(refused.value)
    assert "course.toml:" in str(refused.value)  # with its line


def test_every_starter_course_is_dated():
    from pathlib import Path

    folders = sorted(p for p in Path("courses").iterdir() if (p / "course.toml").exists())
    assert len(folders) >= 12
    for folder in folders:
        spec = load_package(folder)
        assert spec.policy_as_of == date(2026, 11, 1) and spec.review_by == date(2027, 11, 1), folder.name


def test_an_imported_version_and_its_export_keep_the_dates(app, build, make_user, pinned):
    build(lambda s: dated_course(s, "EX-1", date(2026, 11, 1), date(2027, 11, 1)))
    make_user(username="writer", roles=("author",))
    response = _client(app, "writer").get("/authoring/courses/EX-1/versions/1/export")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert any(name.endswith("course.toml") for name in archive.namelist())
    spec = load_package_zip(response.data)
    assert (spec.policy_as_of, spec.review_by) == (date(2026, 11, 1), date(2027, 11, 1))


# ---- learners and the API ------------------------------------------------------------------

def test_the_course_page_shows_the_policy_date(app, catalogue):
    page = text(_client(app, "pupil").get("/courses/OV-1"))
    assert "Policy as of Nov 1, 2025" in page
    assert "Policy as of" not in text(_client(app, "pupil").get("/courses/PLAIN-1"))


def test_the_api_course_detail_has_the_dates(app, catalogue):
    body = app.test_client().get("/api/v1/courses/OV-1").get_json()
    assert body["policy_as_of"] == "2025-11-01" and body["review_by"] == (TODAY - timedelta(days=5)).isoformat()
    plain = app.test_client().get("/api/v1/courses/PLAIN-1").get_json()
    assert plain["policy_as_of"] is None and plain["review_by"] is None


# ---- the authors' queue --------------------------------------------------------------------

def test_the_queue_lists_published_courses_due_or_overdue_soonest_first(app, catalogue):
    client = _client(app, "writer")
    page = text(client.get("/authoring/due-for-review"))
    assert re.findall(r'<tr class="(\w[\w-]*)" data-course="([^"]+)"', page) == [("overdue", "OV-1"), ("due-soon", "DU-1")]
    assert "Overdue by 5 days" in page and "Due in 10 days" in page
    index = text(client.get("/authoring/"))
    assert "1 due, 1 overdue" in index and 'href="/authoring/due-for-review"' in index


def test_the_queue_window_is_a_setting(app, catalogue):
    app.config["REVIEW_DUE_DAYS"] = 120
    page = text(_client(app, "writer").get("/authoring/due-for-review"))
    assert re.findall(r'data-course="([^"]+)"', page) == ["OV-1", "DU-1", "LATER-1"]
    assert "2 due, 1 overdue" in text(_client(app, "writer").get("/authoring/"))


def test_only_authors_see_the_queue(app, catalogue):
    for name in ("pupil", "boss"):
        assert _client(app, name).get("/authoring/due-for-review").status_code == 403
    assert app.test_client().get("/authoring/due-for-review").status_code == 302


def test_queue_and_counts_agree(db, catalogue):
    rows = authoring.review_queue(db, today=TODAY)
    assert [(r.course.code, r.overdue, r.days_left) for r in rows] == [("OV-1", True, -5), ("DU-1", False, 10)]
    assert authoring.review_counts(db, today=TODAY) == (1, 1)
    assert authoring.review_counts(db, today=TODAY - timedelta(days=365)) == (0, 0)


# ---- reminders -----------------------------------------------------------------------------

@pytest.fixture
def smtp_sink(app):
    assert aiosmtpd is not None
    sink = Sink()
    controller = aiosmtpd.Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_FROM="lms@example.org",
                      BASE_URL="https://lms.example.org")
    yield sink
    controller.stop()


@pytest.fixture
def authors(build):
    """ann (English) and bob (Chinese) are authors; cat an administrator; dan an author
    without e-mail; OV-1 was imported (nobody worked on it), DU-1 written by bob."""
    def make(s):
        people = {}
        for name, roles, language, email in (("ann", ("author",), "en", "ann@example.org"),
                                             ("bob", ("author",), "zh_CN", "bob@example.org"),
                                             ("cat", ("admin",), "en", "cat@example.org"),
                                             ("dan", ("author",), "en", "")):
            people[name] = builders.make_user(s, username=name, roles=roles, language=language)
            people[name].email = email
        dated_course(s, "OV-1", date(2025, 11, 1), TODAY - timedelta(days=5))
        dated_course(s, "LATER-1", date(2026, 11, 1), TODAY + timedelta(days=100))
        course = authoring.create_course(s, code="DU-1", data=Metadata(
            title="医疗保险", policy_as_of=date(2025, 12, 1), review_by=TODAY + timedelta(days=10),
            terms={f: "有。" for f in TERMS_FIELDS}),
            user=people["bob"], now=NOW)
        authoring.add_lesson(s, course, title="第一课", slug="intro", body="正文。", minutes=None, user=people["bob"],
                             now=NOW)
        authoring.submit_for_review(s, course, user=people["bob"], now=NOW)
        authoring.approve(s, course, user=people["ann"], now=NOW)
    build(make)


def _send(app, now):
    from lms.cli import send_reminders

    with app.app_context():
        return send_reminders(now)


def test_reminders_go_once_per_course_and_date_to_the_right_authors_in_their_language(app, smtp_sink, authors,
                                                                                       build, query):
    assert _send(app, NOW_TODAY - timedelta(days=60)) == {"queued": 0, "sent": 0, "failed": 0}  # nothing due yet
    assert _send(app, NOW_TODAY) == {"queued": 3, "sent": 3, "failed": 0}
    assert _send(app, NOW_TODAY + timedelta(hours=1)) == {"queued": 0, "sent": 0, "failed": 0}  # cron again
    sent = sorted((rcpt[0], msg["Subject"]) for rcpt, msg in smtp_sink.messages)
    # OV-1: nobody worked on it, so every author with an e-mail; DU-1: bob, who wrote it (not ann, its reviewer).
    assert sent == [("ann@example.org", "Review overdue: 课程 OV-1"), ("bob@example.org", "复审已逾期：课程 OV-1"),
                    ("bob@example.org", "课程即将到期复审：医疗保险")]  # each in the author's language
    by = {(rcpt[0], msg["Subject"]): msg.get_content() for rcpt, msg in smtp_sink.messages}
    english = by[("ann@example.org", "Review overdue: 课程 OV-1")]
    assert "was to be reviewed by Nov 25, 2026" in english and "https://lms.example.org/authoring/due-for-review" in english
    assert "2026年12月10日" in by[("bob@example.org", "课程即将到期复审：医疗保险")]  # the date in bob's language
    keys = query(lambda s: sorted((m.kind, m.dedupe_key) for m in s.scalars(select(OutboxMessage))))
    ov, du = query(lambda s: [s.scalar(select(Course.id).where(Course.code == c)) for c in ("OV-1", "DU-1")])
    ann, bob = query(lambda s: [s.scalar(select(User.id).where(User.username == u)) for u in ("ann", "bob")])
    assert keys == sorted([("review_due", f"review:{ov}:2026-11-25:{ann}"), ("review_due", f"review:{ov}:2026-11-25:{bob}"),
                           ("review_due", f"review:{du}:2026-12-10:{bob}")])

    # A new review date (a new version published with new dates) is a new reminder, once.
    def redate(s):
        s.get(Course, du).review_by = TODAY + timedelta(days=20)
    build(redate)
    assert _send(app, NOW_TODAY + timedelta(days=1))["queued"] == 1
    assert _send(app, NOW_TODAY + timedelta(days=2))["queued"] == 0


def test_reminders_skip_courses_not_published(db, build, authors):
    def withdraw(s):
        course = s.scalar(select(Course).where(Course.code == "OV-1"))
        authoring.archive_course(s, course, user=s.scalar(select(User).where(User.username == "ann")), now=NOW)
    build(withdraw)
    assert {(r.code, r.name) for r in authoring.review_reminders(db, today=TODAY)} == {("DU-1", "测试 学员")}


# ---- the courses report --------------------------------------------------------------------

@pytest.fixture
def reporter(build, catalogue):
    def make(s):
        unit = create_unit(s, code="N", name="全国", level="national", kind="social_insurance", parent_id=None)
        builders.make_user(s, username="chief", roles=("admin",), language="en", org_unit_id=unit.id,
                           staff_category="manager")
        return unit.id
    return build(make)


def test_the_courses_report_filters_and_flags_courses_past_their_review_date(app, reporter):
    client = _client(app, "chief")
    everything = text(client.get(f"/reports/courses?unit={reporter}"))
    codes = set(re.findall(r'data-course="([^"]+)"', everything))
    assert {"OV-1", "DU-1", "LATER-1", "PLAIN-1"} <= codes
    overdue = client.get(f"/reports/courses?unit={reporter}&review=overdue")
    assert overdue.status_code == 200
    page = text(overdue)
    assert re.findall(r'data-course="([^"]+)"', page) == ["OV-1"]  # not the withdrawn GONE-1 nor the draft
    assert "Review overdue" in page and 'review=overdue' in page  # the flag, and exports keep the filter
    export = client.get(f"/reports/courses.csv?unit={reporter}&review=overdue")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    header = next(r for r in rows if "Course code" in r)
    data = [r for r in rows if r and r[0] in {"OV-1", "DU-1"}]
    assert header[-2:] == ["Review by", "Review status"]
    assert [(r[0], r[-2], r[-1]) for r in data] == [("OV-1", "2026-11-25", "Review overdue")]
    full = client.get(f"/reports/courses.csv?unit={reporter}").get_data(as_text=True)
    du = next(r for r in csv.reader(io.StringIO(full.lstrip("\ufeff"))) if r and r[0] == "DU-1")
    assert du[-2:] == ["2026-12-10", ""]
    assert client.get(f"/reports/courses?unit={reporter}&review=soon").status_code == 400
    assert client.get(f"/reports/courses.xlsx?unit={reporter}&review=overdue").status_code == 200


# ---- publishing resets the dates -----------------------------------------------------------

@pytest.fixture
def stale(db):
    """A course published with dates that have since passed, and two authors."""
    writer = builders.make_user(db, username="writer", roles=("author",))
    reviewer = builders.make_user(db, username="reviewer", roles=("author",))
    course = dated_course(db, "ST-1", date(2025, 11, 1), date(2026, 11, 1))
    return course, writer, reviewer


def _metadata(course, **dates) -> Metadata:
    return Metadata(title=course.title, skill_type=course.skill_type, target_level=course.target_level,
                    language=course.language, schemes=course.scheme_names, audience=course.audience_names,
                    terms={f: getattr(course, f"{f}_md") for f in TERMS_FIELDS}, **dates)


def test_a_new_version_needs_new_dates_and_publishing_makes_them_the_courses(db, stale):
    course, writer, reviewer = stale
    authoring.update_lesson(db, course, "lesson-1", title="第1课", body="按新政策改写。", minutes=None, user=writer,
                            now=NOW_TODAY)
    draft = catalog.open_version(db, course.id)
    assert draft.review_by == date(2026, 11, 1)  # copied from the live version: stale
    with pytest.raises(AuthoringError, match="is not in the future") as refused:
        authoring.submit_for_review(db, course, user=writer, now=NOW_TODAY)
    assert refused.value.params == {"date": "2026-11-01"}
    authoring.update_metadata(db, course, data=_metadata(course), user=writer, now=NOW_TODAY)  # dates removed
    with pytest.raises(AuthoringError, match="published version is to be reviewed by"):
        authoring.submit_for_review(db, course, user=writer, now=NOW_TODAY)
    with pytest.raises(AuthoringError, match="must come after the policy date"):
        authoring.update_metadata(db, course, data=_metadata(course, policy_as_of=date(2026, 11, 1),
                                                             review_by=date(2026, 11, 1)), user=writer, now=NOW_TODAY)
    authoring.update_metadata(db, course, data=_metadata(course, policy_as_of=date(2026, 11, 1),
                                                         review_by=date(2027, 11, 1)), user=writer, now=NOW_TODAY)
    assert course.review_by == date(2026, 11, 1)  # the catalogue keeps the live version's dates until publication
    authoring.submit_for_review(db, course, user=writer, now=NOW_TODAY)
    authoring.approve(db, course, user=reviewer, now=NOW_TODAY)
    assert (course.policy_as_of, course.review_by) == (date(2026, 11, 1), date(2027, 11, 1))
    assert authoring.review_queue(db, today=TODAY) == []


def test_a_review_date_that_passes_while_in_review_blocks_approval(db, stale):
    course, writer, reviewer = stale
    authoring.update_metadata(db, course, data=_metadata(course, policy_as_of=date(2026, 11, 1),
                                                         review_by=date(2026, 12, 1)), user=writer, now=NOW_TODAY)
    authoring.submit_for_review(db, course, user=writer, now=NOW_TODAY)
    with pytest.raises(AuthoringError, match="is not in the future"):
        authoring.approve(db, course, user=reviewer, now=datetime(2026, 12, 1, 9, 0))
    assert course.review_by == date(2026, 11, 1)


def test_a_course_never_dated_may_be_published_without_dates(db):
    writer = builders.make_user(db, username="writer", roles=("author",))
    reviewer = builders.make_user(db, username="reviewer", roles=("author",))
    course = dated_course(db, "UN-1", None, None)
    authoring.update_lesson(db, course, "lesson-1", title="第1课", body="改了。", minutes=None, user=writer, now=NOW)
    authoring.submit_for_review(db, course, user=writer, now=NOW)
    authoring.approve(db, course, user=reviewer, now=NOW)
    assert course.review_by is None and course.status == "published"


def test_the_editor_refuses_a_review_date_before_the_policy_date(app, build, make_user, pinned, query):
    build(lambda s: dated_course(s, "ED-1", date(2026, 11, 1), date(2027, 11, 1)))
    make_user(username="writer", roles=("author",), language="en")
    client = _client(app, "writer")
    form = text(client.get("/authoring/courses/ED-1/metadata"))
    assert 'name="policy_as_of" type="date" value="2026-11-01"' in form
    assert 'name="review_by" type="date" value="2027-11-01"' in form
    data = {"title": "课程 ED-1", "skill_type": "social-security", "target_level": "information",
            "language": "zh_CN", "schemes": "pension", "audience": "staff"}
    response = client.post("/authoring/courses/ED-1/metadata", data=data | {"policy_as_of": "2026-11-01",
                                                                            "review_by": "2026-06-01"})
    assert response.status_code == 400
    assert "The review date must come after the policy date (2026-11-01)." in text(response)
    assert query(lambda s: s.scalar(select(func.count()).select_from(CourseVersion))) == 1  # nothing changed
    response = client.post("/authoring/courses/ED-1/metadata", data=data | {"policy_as_of": "2027-01-01",
                                                                            "review_by": "2028-01-01"})
    assert response.status_code == 302
    versions = query(lambda s: [(v.number, v.status, v.policy_as_of, v.review_by)
                                for v in s.scalars(select(CourseVersion).order_by(CourseVersion.number))])
    assert versions == [(1, "published", date(2026, 11, 1), date(2027, 11, 1)),
                        (2, "draft", date(2027, 1, 1), date(2028, 1, 1))]
    assert "Review by Jan 1, 2028" in text(client.get("/authoring/courses/ED-1"))
