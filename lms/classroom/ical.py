"""An iCalendar (RFC 5545) file for one session, with the `icalendar` library
(escaping, line folding at 75 octets, CRLF). Times in UTC ('Z'); the UID is
stable, so a calendar updates the event when the file is imported again."""
from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event

from lms.classroom.models import ClassroomSession

PRODID = "-//SSCBC//@learning classroom//EN"


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC, microsecond=0)


def session_ics(cs: ClassroomSession, *, url: str, now: datetime, domain: str = "learning.sscbc") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"classroom-session-{cs.id}@{domain}")
    event.add("dtstamp", _utc(now))
    event.add("dtstart", _utc(cs.starts_at))
    event.add("dtend", _utc(cs.ends_at))
    event.add("summary", f"{cs.title} ({cs.course.title})")
    event.add("location", cs.place)
    description = cs.instructions_md.strip()
    event.add("description", (description + "\n\n" if description else "") + url)
    event.add("url", url)
    event.add("status", "CANCELLED" if cs.cancelled else "CONFIRMED")
    event.add("sequence", int((cs.updated_at - cs.created_at).total_seconds()) // 60)
    calendar.add_component(event)
    return calendar.to_ical()
