"""Messages about sessions, rendered in the recipient's language (the
`Renderer` that lms.classroom.services takes)."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.classroom.services import Notice


def session_url(session_id: int) -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/") + f"/classroom/sessions/{session_id}"


def render_notice(notice: Notice) -> tuple[str, str]:
    cs = notice.session
    with force_locale(notice.user.language):
        if notice.kind == "session_place":
            subject = _("A place is yours: %(title)s", title=cs.title)
        elif notice.kind == "session_cancelled":
            subject = _("Session cancelled: %(title)s", title=cs.title)
        else:
            subject = _("Reminder: %(title)s", title=cs.title)
        body = render_template("classroom/mail/notice.txt", n=notice, cs=cs, url=session_url(cs.id))
    return subject, body
