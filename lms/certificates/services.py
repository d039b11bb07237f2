"""Certificates: issued once per completion of a course (the course_completed
record event) or of a programme (programme_completed), verified publicly by
an unguessable code, revoked with a reason, expired after the validity the
course or programme sets.

A certificate is a snapshot: the holder's name and unit, the title and the
hours are copied when it is issued and never follow later edits. Issuing is
an INSERT ... ON CONFLICT DO NOTHING on (user, course) or (user, programme),
so parallel requests, the backfill command and the record event can all try
at once and exactly one certificate results.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lms import events
from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.courses.models import Course
from lms.learn.models import CourseCompletion
from lms.msgids import N_
from lms.orgs.models import OrgUnit
from lms.orgs.scope import path_startswith, scope_for
from lms.programmes.models import Programme, ProgrammeCompletion, ProgrammeCourse

SERIAL_PREFIX = "SSCBC"
CODE_BYTES = 18  # secrets.token_urlsafe(18): 24 characters, 144 random bits
CODE_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
STATUSES = ("valid", "expired", "revoked")
MANAGER_ROLES = ("manager", "admin")
MAX_REASON = 500


class CertificateError(Exception):
    """A refused action; the message is a msgid (the view translates it)."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message, self.params = message, params


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def serial_number(year: int, certificate_id: int) -> str:
    """Readable and unique: the year of issue and the certificate's own id."""
    return f"{SERIAL_PREFIX}-{year}-{certificate_id:06d}"


def hours_of(minutes: int | None) -> float:
    return round((minutes or 0) / 60, 1)


def status_of(certificate: Certificate, now: datetime) -> str:
    if certificate.revoked_at is not None:
        return "revoked"
    if certificate.expires_at is not None and certificate.expires_at <= now:
        return "expired"
    return "valid"


def status_sql(now: datetime):
    """The same status as status_of, as an SQL expression (filters, exports)."""
    return case((Certificate.revoked_at.is_not(None), literal("revoked")),
                (and_(Certificate.expires_at.is_not(None), Certificate.expires_at <= now), literal("expired")),
                else_=literal("valid"))


# ---- issuing ---------------------------------------------------------------------

def _holder(session: Session, user_id: int) -> tuple[str, str]:
    name, username, unit = session.execute(
        select(User.full_name, User.username, OrgUnit.name).outerjoin(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(User.id == user_id)).one()
    return (name or username)[:200], (unit or "")[:200]


def _insert(session: Session, values: dict, unique: list[str], now: datetime) -> Certificate | None:
    """Insert unless (user, course/programme) already has one; the new row, else None."""
    code = new_code()
    holder_name, unit_name = _holder(session, values["user_id"])
    row = {"serial": "~" + code[:24], "code": code, "holder_name": holder_name, "unit_name": unit_name,
           "issued_at": now, "revoke_reason": "", **values}
    table = Certificate.__table__
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(table).values(**row).on_conflict_do_nothing(index_elements=unique).returning(table.c.id)
    new_id = session.execute(stmt).scalar()
    if new_id is None:
        return None
    certificate = session.get(Certificate, new_id)
    if certificate is None:  # pragma: no cover - just inserted in this transaction
        return None
    certificate.serial = serial_number(now.year, new_id)
    session.flush()
    events.certificate_issued(session, user_id=certificate.user_id, certificate_id=new_id,
                              course_id=certificate.course_id, programme_id=certificate.programme_id, now=now)
    return certificate


def _expiry(completed_at: datetime, validity_days: int | None) -> datetime | None:
    return completed_at + timedelta(days=validity_days) if validity_days else None


def issue_course_certificate(session: Session, *, user_id: int, course_id: int, now: datetime) -> Certificate | None:
    """The certificate of a recorded course completion; None when there is no
    completion or a certificate exists already (issued once, whoever asks)."""
    found = session.execute(select(CourseCompletion.completed_at, Course.title, Course.estimated_minutes,
                                   Course.certificate_validity_days)
                            .join(Course, Course.id == CourseCompletion.course_id)
                            .where(CourseCompletion.user_id == user_id, CourseCompletion.course_id == course_id)).first()
    if found is None:
        return None
    completed_at, title, minutes, validity = found
    return _insert(session, {"user_id": user_id, "course_id": course_id, "title": title[:200], "hours": hours_of(minutes),
                             "completed_at": completed_at, "expires_at": _expiry(completed_at, validity)},
                   ["user_id", "course_id"], now)


def issue_programme_certificate(session: Session, *, user_id: int, programme_id: int, title: str, hours: float,
                                validity_days: int | None, now: datetime) -> Certificate | None:
    """The certificate of a completed programme (completed now); None when one exists already."""
    return _insert(session, {"user_id": user_id, "programme_id": programme_id, "title": title[:200],
                             "hours": max(0.0, round(float(hours), 1)), "completed_at": now,
                             "expires_at": _expiry(now, validity_days)},
                   ["user_id", "programme_id"], now)


def on_course_completed(session: Session, *, user_id: int, course_id: int) -> None:
    """Record event: the completion row was just inserted; issued at its moment."""
    completed_at = session.scalar(select(CourseCompletion.completed_at).where(
        CourseCompletion.user_id == user_id, CourseCompletion.course_id == course_id))
    if completed_at is not None:
        issue_course_certificate(session, user_id=user_id, course_id=course_id, now=completed_at)


def programme_hours(session: Session, *, user_id: int, programme_id: int) -> float:
    """The hours of the programme's courses the person completed (required and optional)."""
    minutes = session.scalar(
        select(func.coalesce(func.sum(Course.estimated_minutes), 0))
        .join(ProgrammeCourse, ProgrammeCourse.course_id == Course.id)
        .join(CourseCompletion, (CourseCompletion.course_id == Course.id) & (CourseCompletion.user_id == user_id))
        .where(ProgrammeCourse.programme_id == programme_id))
    return hours_of(minutes)


def issue_for_programme_completion(session: Session, *, user_id: int, programme_id: int,
                                   now: datetime) -> Certificate | None:
    """The certificate of a recorded programme completion (None: no completion, or issued already)."""
    found = session.execute(select(ProgrammeCompletion.completed_at, Programme.title, Programme.certificate_validity_days)
                            .join(Programme, Programme.id == ProgrammeCompletion.programme_id)
                            .where(ProgrammeCompletion.user_id == user_id,
                                   ProgrammeCompletion.programme_id == programme_id)).first()
    if found is None:
        return None
    completed_at, title, validity = found
    return _insert(session, {"user_id": user_id, "programme_id": programme_id, "title": title[:200],
                             "hours": programme_hours(session, user_id=user_id, programme_id=programme_id),
                             "completed_at": completed_at, "expires_at": _expiry(completed_at, validity)},
                   ["user_id", "programme_id"], now)


def on_programme_completed(session: Session, *, user_id: int, programme_id: int) -> None:
    """Record event: the programme completion row was just inserted; issued at its moment."""
    completed_at = session.scalar(select(ProgrammeCompletion.completed_at).where(
        ProgrammeCompletion.user_id == user_id, ProgrammeCompletion.programme_id == programme_id))
    if completed_at is not None:
        issue_for_programme_completion(session, user_id=user_id, programme_id=programme_id, now=completed_at)


events.course_completed.connect(on_course_completed)
events.programme_completed.connect(on_programme_completed)


def issue_missing_certificates(session: Session, *, now: datetime) -> int:
    """Backfill: a certificate for every course and programme completion that has none (safe to run again)."""
    missing = session.execute(
        select(CourseCompletion.user_id, CourseCompletion.course_id)
        .outerjoin(Certificate, (Certificate.user_id == CourseCompletion.user_id)
                   & (Certificate.course_id == CourseCompletion.course_id))
        .where(Certificate.id.is_(None)).order_by(CourseCompletion.id)).all()
    issued = sum(issue_course_certificate(session, user_id=u, course_id=c, now=now) is not None for u, c in missing)
    programmes = session.execute(
        select(ProgrammeCompletion.user_id, ProgrammeCompletion.programme_id)
        .outerjoin(Certificate, (Certificate.user_id == ProgrammeCompletion.user_id)
                   & (Certificate.programme_id == ProgrammeCompletion.programme_id))
        .where(Certificate.id.is_(None)).order_by(ProgrammeCompletion.id)).all()
    return issued + sum(issue_for_programme_completion(session, user_id=u, programme_id=p, now=now) is not None
                        for u, p in programmes)


# ---- reading ---------------------------------------------------------------------

def by_code(session: Session, code: str) -> Certificate | None:
    if not CODE_RE.fullmatch(code or ""):
        return None
    return session.scalar(select(Certificate).where(Certificate.code == code))


def may_manage(session: Session, viewer, certificate: Certificate) -> bool:
    """Administrators, and managers whose scope holds the holder's unit."""
    if not viewer.role_names & set(MANAGER_ROLES):
        return False
    scope = scope_for(session, viewer)
    if scope.everything:
        return True
    path = session.scalar(select(OrgUnit.path).join(User, User.org_unit_id == OrgUnit.id)
                          .where(User.id == certificate.user_id))
    return scope.contains_path(path)


def may_view(session: Session, viewer, certificate: Certificate) -> bool:
    return viewer.id == certificate.user_id or may_manage(session, viewer, certificate)


def certificates_of(session: Session, *, user_id: int) -> list[Certificate]:
    return list(session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                .order_by(Certificate.completed_at.desc(), Certificate.id.desc())))


def certificates_with_course_codes(session: Session, *, user_id: int) -> list[tuple[Certificate, str | None]]:
    """The learner's certificates, newest first, each with its course's code (None for a programme)."""
    return [(c, code) for c, code in session.execute(
        select(Certificate, Course.code).outerjoin(Course, Course.id == Certificate.course_id)
        .where(Certificate.user_id == user_id).order_by(Certificate.completed_at.desc(), Certificate.id.desc()))]


def codes_by_course(session: Session, *, user_id: int) -> dict[int, Certificate]:
    """The learner's course certificates by course id (the transcript's links)."""
    return {c.course_id: c for c in certificates_of(session, user_id=user_id) if c.course_id is not None}


def revoke(session: Session, certificate: Certificate, *, by_user_id: int, reason: str, now: datetime) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(N_("Give the reason for revoking the certificate."))
    if len(reason) > MAX_REASON:
        raise CertificateError(N_("The reason is at most %(n)s characters."), n=MAX_REASON)
    if certificate.revoked_at is not None:
        raise CertificateError(N_("This certificate was already revoked."))
    certificate.revoked_at, certificate.revoked_by_id, certificate.revoke_reason = now, by_user_id, reason
    session.flush()


# ---- the managers' list ----------------------------------------------------------

@dataclass(frozen=True)
class ListFilters:
    unit_path: str
    course_id: int | None = None
    status: str | None = None
    issued_from: datetime | None = None
    issued_before: datetime | None = None  # exclusive (the day after the "to" date)


@dataclass(frozen=True)
class ListRow:
    certificate: Certificate
    username: str
    unit_code: str
    status: str


def _list_query(flt: ListFilters, now: datetime) -> Select:
    status = status_sql(now).label("status")
    stmt = (select(Certificate, User.username, OrgUnit.code, status)
            .join(User, User.id == Certificate.user_id)
            .join(OrgUnit, OrgUnit.id == User.org_unit_id)
            .where(path_startswith(OrgUnit.path, flt.unit_path)))
    if flt.course_id is not None:
        stmt = stmt.where(Certificate.course_id == flt.course_id)
    if flt.status is not None:
        stmt = stmt.where(status_sql(now) == flt.status)
    if flt.issued_from is not None:
        stmt = stmt.where(Certificate.issued_at >= flt.issued_from)
    if flt.issued_before is not None:
        stmt = stmt.where(Certificate.issued_at < flt.issued_before)
    return stmt


def certificate_list(session: Session, flt: ListFilters, *, now: datetime, page: int = 1,
                     per_page: int = 100) -> tuple[list[ListRow], int]:
    """One page of the certificates of people in the unit's subtree, newest first, and the total."""
    stmt = _list_query(flt, now)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return [ListRow(c, username, unit_code, status) for c, username, unit_code, status in rows], total


def all_certificates(session: Session, flt: ListFilters, *, now: datetime) -> Iterator[ListRow]:
    """Every certificate of the list (exports), streamed."""
    stmt = _list_query(flt, now).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    for c, username, unit_code, status in session.execute(stmt.execution_options(yield_per=500)):
        yield ListRow(c, username, unit_code, status)

