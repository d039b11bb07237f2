"""Messages about sessions, written in the recipient's language (the
`Renderer` that lms.classroom.services takes). The text is built here rather
than in a .txt template so that every sentence is extracted for translation."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from lms import zones
from lms.classroom.services import Notice


def session_url(session_id: int) -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/") + f"/classroom/sessions/{session_id}"


def _when(moment: datetime, zone: ZoneInfo) -> str:
    """A stored time in the recipient's zone and language (not the acting user's)."""
    return format_datetime(moment.replace(tzinfo=UTC), "short", tzinfo=zone, locale=get_locale())


def render_notice(notice: Notice) -> tuple[str, str]:
    cs = notice.session
    own = getattr(notice.user, "timezone", None)
    zone = ZoneInfo(own) if own and zones.known_zone(own) else zones.site_zone()
    with force_locale(notice.user.language):
        names = {"title": cs.title, "course": cs.course.title}
        if notice.kind == "session_place":
            subject = _("A place is yours: %(title)s", title=cs.title)
            news = _("A place became free on the session “%(title)s” (course “%(course)s”) and it is now yours: "
                     "you are booked.", **names)
        elif notice.kind == "session_cancelled":
            subject = _("Session cancelled: %(title)s", title=cs.title)
            news = _("The session “%(title)s” (course “%(course)s”) is cancelled. Your sign-up is cancelled with it.",
                     **names)
        else:
            subject = _("Reminder: %(title)s", title=cs.title)
            news = _("You are booked on the session “%(title)s” (course “%(course)s”).", **names)
        lines = [
            _("Hello %(name)s,", name=notice.user.full_name or notice.user.username), "", news,
            _("When: %(start)s – %(end)s", start=_when(cs.starts_at, zone), end=_when(cs.ends_at, zone)),
            _("Where: %(place)s", place=cs.place), "",
            _("Details: %(url)s", url=session_url(cs.id)), "",
            "-- ",
            _("@learning, the online training of the Social Security Capacity Building Centre"),
        ]
    return subject, "\n".join(lines) + "\n"
