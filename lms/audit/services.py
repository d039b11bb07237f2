"""The audit and security log: a table for people to read, and the `lms.audit`
logger for operators. Never given a password."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from lms.audit.models import AuditEvent

log = logging.getLogger("lms.audit")


def record_event(session: Session, *, action: str, now: datetime, user=None, username: str = "",
                 ip: str = "", request_id: str = "", detail: str = "") -> AuditEvent:
    name = username or (getattr(user, "username", "") or "")
    event = AuditEvent(at=now, action=action, user_id=getattr(user, "id", None), username=name[:80],
                       ip=ip[:64], request_id=request_id[:64], detail=detail[:2000])
    session.add(event)
    log.info("%s user=%s ip=%s request_id=%s %s", action, name, ip, request_id, detail,
             extra={"at": now.isoformat() + "Z"})
    return event
