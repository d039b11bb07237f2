"""Reminders through the outbox, delivered to a local SMTP sink (aiosmtpd on
loopback): queued once per (assignment, person, kind), sent once even when
runs repeat or overlap, retried after a failure, in the learner's language."""
from __future__ import annotations

import socket
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from lms.assignments import services
from lms.assignments.models import OutboxMessage
from tests import builders
from tests.builders import NOW
from tests.orgs.fixtures import build_world

aiosmtpd = pytest.importorskip("aiosmtpd.controller")


class Sink:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.original_content, policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    sink = Sink()
    controller = aiosmtpd.Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


@pytest.fixture
def mail_app(app, smtp):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp[1], SMTP_FROM="lms@example.org",
                      BASE_URL="https://lms.example.org")
    return app


@pytest.fixture
def assigned(build):
    """An assignment due on 2026-03-04 for XW staff and correspondents (English
    and Chinese speakers), one of whom has no e-mail."""
    def make(s):
        world = build_world(s)
        from lms.auth.models import User

        s.get(User, world.users["xwcorr"]).language = "zh_CN"
        builders.make_user(s, username="nomail", staff_category="staff", org_unit_id=world.units["XW"])
        course = builders.make_course(s, "T-101", title="养老保险入门")
        [a] = services.create_assignments(s, course_ids=[course.id], org_unit_id=world.units["NJ"],
                                          categories=["staff", "correspondent"], due_on=date(2026, 3, 4),
                                          created_by_id=None, now=NOW)
        return a.id

    return build(make)


def run(app, now):
    from lms.cli import send_reminders

    with app.app_context():
        return send_reminders(now)


def outbox(query):
    return query(lambda s: [(m.user_id, m.kind, m.sent_at is not None, m.attempts)
                            for m in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))])


def test_due_soon_then_overdue_each_sent_once(mail_app, smtp, assigned, query):
    sink, _port = smtp
    early = datetime(2026, 2, 27, 8, 0)  # 5 days before: nothing yet
    assert run(mail_app, early) == {"queued": 0, "sent": 0, "failed": 0}

    soon = datetime(2026, 3, 2, 8, 0)
    assert run(mail_app, soon) == {"queued": 2, "sent": 2, "failed": 0}
    assert run(mail_app, soon + timedelta(minutes=5)) == {"queued": 0, "sent": 0, "failed": 0}
    assert len(sink.messages) == 2
    by_rcpt = {rcpt[0]: msg for rcpt, msg in sink.messages}
    assert set(by_rcpt) == {"xwstaff@example.org", "xwcorr@example.org"}
    english = by_rcpt["xwstaff@example.org"]
    assert english["Subject"] == "Due soon: 养老保险入门"
    assert english["From"] == "lms@example.org"
    body = english.get_content()
    assert "is due on Mar 4, 2026" in body and "https://lms.example.org/my" in body
    chinese = by_rcpt["xwcorr@example.org"].get_content()
    assert "2026年3月4日" in chinese  # dates in the learner's locale

    overdue = datetime(2026, 3, 5, 8, 0)
    assert run(mail_app, overdue)["sent"] == 2
    assert run(mail_app, overdue + timedelta(hours=1))["sent"] == 0
    assert len(sink.messages) == 4
    assert sorted(k for _u, k, sent, _a in outbox(query) if sent) == ["due_soon", "due_soon", "overdue", "overdue"]


def test_completed_people_get_no_reminder(mail_app, smtp, assigned, build):
    def complete(s):
        from lms.assignments.models import Assignment
        from lms.auth.models import User
        from lms.learn.models import CourseCompletion

        a = s.get(Assignment, assigned)
        uid = s.scalar(select(User.id).where(User.username == "xwstaff"))
        s.add(CourseCompletion(user_id=uid, course_id=a.course_id, completed_at=NOW))

    build(complete)
    assert run(mail_app, datetime(2026, 3, 5, 8, 0))["sent"] == 1
    assert [m.get("To") for _r, m in smtp[0].messages] == ["xwcorr@example.org"]


def test_failures_are_retried_later_without_duplicates(app, smtp, assigned, query):
    sink, port = smtp
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nobody listens there
    now = datetime(2026, 3, 2, 8, 0)
    assert run(app, now) == {"queued": 2, "sent": 0, "failed": 2}
    assert [(k, sent, attempts) for _u, k, sent, attempts in outbox(query)] == [("due_soon", False, 1)] * 2
    app.config.update(SMTP_PORT=port)
    assert run(app, now + timedelta(minutes=1)) == {"queued": 0, "sent": 0, "failed": 0}  # backing off
    assert run(app, now + timedelta(minutes=3)) == {"queued": 0, "sent": 2, "failed": 0}
    assert run(app, now + timedelta(minutes=10))["sent"] == 0
    assert len(sink.messages) == 2


def test_overlapping_runs_never_claim_the_same_row(app, assigned, build):
    now = datetime(2026, 3, 2, 8, 0)
    build(lambda s: services.queue_messages(s, [
        {"recipient": f"p{i}@example.org", "subject": "s", "body": "b", "kind": "due_soon",
         "assignment_id": assigned, "user_id": None} for i in range(5)], now=now))
    db = app.extensions["lms_db"]
    first = db.session(write=True)
    second = db.session(write=True)
    try:
        claimed_a = [m.id for m in services.claim_messages(first, now=now, limit=3)]
        first.commit()
        claimed_b = [m.id for m in services.claim_messages(second, now=now, limit=10)]
        second.commit()
    finally:
        first.close()
        second.close()
    assert len(claimed_a) == 3 and len(claimed_b) == 2 and not set(claimed_a) & set(claimed_b)
    # A claim left by a run that died is taken over after the timeout.
    third = db.session(write=True)
    try:
        again = services.claim_messages(third, now=now + services.CLAIM_TIMEOUT + timedelta(seconds=1), limit=10)
        third.commit()
    finally:
        third.close()
    assert len(again) == 5


def test_a_reminder_is_queued_once(db):
    world = build_world(db)
    course = builders.make_course(db, "T-101")
    [a] = services.create_assignments(db, course_ids=[course.id], org_unit_id=world.units["XW"], categories=["staff"],
                                      due_on=date(2026, 3, 3), created_by_id=None, now=NOW)
    message = {"recipient": "x@example.org", "subject": "s", "body": "b", "kind": "due_soon",
               "assignment_id": a.id, "user_id": world.users["xwstaff"]}
    assert services.queue_messages(db, [message], now=NOW) == 1
    assert services.queue_messages(db, [message], now=NOW) == 0
    assert services.due_reminders(db, today=NOW.date()) == []


def test_send_reminders_command(mail_app, smtp, assigned):
    result = mail_app.test_cli_runner().invoke(args=["lms", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("queued ")
