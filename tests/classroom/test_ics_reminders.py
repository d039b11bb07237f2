"""The session's iCalendar file, and reminders queued once per person and session."""
from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select

from lms.assignments.models import OutboxMessage
from tests.classroom.conftest import START, as_user, outbox, sign_up


def test_the_ics_file_is_a_valid_event_in_utc(client, cw, build):
    as_user(client, "xw1")
    response = client.get(f"/classroom/sessions/{cw.session_id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    raw = response.get_data()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded at 75 octets
    assert b"LOCATION:\xe5\x8d\x97\xe4\xba\xac\xe5\xb8\x82\xe7\x8e\x84\xe6\xad\xa6\xe5\x8c\xba\\, " in raw  # comma escaped
    assert b"DTSTART:20260305T090000Z" in raw and b"DTEND:20260305T120000Z" in raw
    [event] = Calendar.from_ical(raw).walk("VEVENT")
    assert event["SUMMARY"] == "面授：养老保险, 第一期 (养老保险入门)"
    assert event["LOCATION"] == "南京市玄武区, 培训中心; 201室"
    assert event.decoded("DTSTART") == START.replace(tzinfo=event.decoded("DTSTART").tzinfo)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert "请带上**身份证**。" in event["DESCRIPTION"] and f"/classroom/sessions/{cw.session_id}" in event["DESCRIPTION"]
    uid = str(event["UID"])
    again = Calendar.from_ical(client.get(f"/classroom/sessions/{cw.session_id}.ics").get_data()).walk("VEVENT")[0]
    assert str(again["UID"]) == uid  # stable: a calendar updates the same event
    assert client.get("/classroom/sessions/999.ics").status_code == 404


def run_reminders(app, now: datetime) -> dict:
    from lms.cli import send_reminders

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=9)  # nobody listens: queued, not sent
    with app.app_context():
        return send_reminders(now)


def test_a_reminder_is_queued_once_per_person_a_day_before(app, cw, build, query):
    sign_up(build, cw, "xw1", "xw2", "xw3")  # xw3 waits: no reminder
    assert run_reminders(app, START - timedelta(days=2))["queued"] == 0
    assert run_reminders(app, START - timedelta(hours=20))["queued"] == 2
    assert run_reminders(app, START - timedelta(hours=19))["queued"] == 0
    assert run_reminders(app, START - timedelta(hours=1))["queued"] == 0
    reminders = outbox(query, "session_reminder")
    assert sorted(r[0] for r in reminders) == ["xw1@example.org", "xw2@example.org"]
    assert sorted(r[2] for r in reminders) == ["Reminder: 面授：养老保险, 第一期", "提醒：面授：养老保险, 第一期"]  # each in their language
    body = query(lambda s: s.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "xw1@example.org")))
    assert "Where: 南京市玄武区, 培训中心; 201室" in body and "When: 3/5/26, 5:00\u202fPM" in body  # Shanghai time
    chinese = query(lambda s: s.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "xw2@example.org")))
    assert "2026/3/5 17:00" in chinese  # in the recipient's language
    assert run_reminders(app, START + timedelta(minutes=1))["queued"] == 0  # started: too late
