"""Classroom sessions: scheduling, sign-up and the waiting list, cancellations,
attendance, reminders. No flask: messages are rendered by a `Renderer` the
caller passes (lms.classroom.mail in the app), so that each person's message
is in their language and queued in the caller's transaction.

Places are counted on the session row. A sign-up takes the row first (FOR
UPDATE on PostgreSQL; SQLite write transactions are serialised by BEGIN
IMMEDIATE), then books with `UPDATE ... SET booked = booked + 1 WHERE booked <
capacity`: the database, not this module, decides who gets the last place,
and a CHECK (booked <= capacity) refuses any over-booking. Whoever does not
get a place joins the waiting list, numbered by the same row (`waiting_seq`).
A freed place goes to the first person waiting, in the same transaction.

Sign-up enrols: a person signed up for a session (by themselves or by their
manager) is enrolled in the course if they were not (source "self" or
"assigned"), so that the course appears in My learning and attendance can
complete it.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, String, and_, case, exists, func, literal, or_, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from content.render import markdown_problem, render_markdown
from lms import events
from lms.assignments.models import OutboxMessage
from lms.assignments.services import queue_messages
from lms.auth.models import User, UserRole
from lms.classroom.models import ATTENDANCE_STATUSES, MAX_CAPACITY, ClassroomSession, SessionAttendance, SessionSignup
from lms.courses.models import Course
from lms.courses.terms import TermNames, missing_terms
from lms.csvfile import RowError, bad_choice, decode, read_rows, refuse
from lms.db import must_get
from lms.learn import services as learning
from lms.msgids import N_
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope

# A reminder is queued this long before a session starts (once per person and session).
REMINDER_BEFORE = timedelta(days=1)
# Attendance not confirmed this long after a session ended is overdue in the trainer's queue.
QUEUE_OVERDUE_AFTER = timedelta(days=2)
MAX_INSTRUCTIONS_CHARS = 20_000
STAFF_ROLES = ("trainer", "manager", "admin")


class ClassroomError(Exception):
    """A refused action; str() is a translatable msgid, `params` its placeholders."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.params = params


@dataclass(frozen=True)
class Notice:
    """A message for one person about one session (an outbox kind)."""

    kind: str  # session_place, session_cancelled, session_reminder
    user: User
    session: ClassroomSession
    dedupe_key: str


# (notice) -> (subject, body) in the recipient's language.
Renderer = Callable[[Notice], tuple[str, str]]


def queue_notices(session: Session, notices: Iterable[Notice], *, render: Renderer, now: datetime) -> int:
    """Queue one outbox message per notice (people without an e-mail or no
    longer active get none); a notice already queued is skipped."""
    messages = []
    for notice in notices:
        if not notice.user.email or notice.user.status != "active":
            continue
        subject, body = render(notice)
        messages.append({"recipient": notice.user.email, "subject": subject[:300], "body": body, "kind": notice.kind,
                         "user_id": notice.user.id, "dedupe_key": notice.dedupe_key})
    return queue_messages(session, messages, now=now) if messages else 0


# ---- scope ------------------------------------------------------------------


def can_manage(user, scope: Scope, cs: ClassroomSession) -> bool:
    """Schedule, edit, cancel, see everyone, mark attendance: the session's
    unit is in the user's scope, or the user is its trainer."""
    return cs.trainer_id == user.id or scope.contains_path(cs.org_unit.path)


# ---- scheduling -------------------------------------------------------------

@dataclass
class SessionFields:
    course_id: int
    title: str
    instructions: str
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    place: str
    org_unit_id: int
    trainer_id: int
    capacity: int


def trainers_for(session: Session, unit: OrgUnit) -> list[User]:
    """Active people with the trainer role whose subtree holds `unit`."""
    ancestors = [int(p) for p in unit.path.strip("/").split("/") if p]
    return list(session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "trainer", User.status == "active", User.org_unit_id.in_(ancestors))
        .order_by(User.username)
    ))


def trainers_in_scope(session: Session, scope: Scope) -> list[User]:
    """Active trainers attached to a unit in the scope (the choices of the session form)."""
    return list(session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id).join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(UserRole.role == "trainer", User.status == "active", scope.unit_condition())
        .order_by(User.username).limit(500)
    ))


def _check_fields(session: Session, fields: SessionFields, scope: Scope, *, booked: int = 0) -> OrgUnit:
    course = session.get(Course, fields.course_id)
    if course is None or course.status != "published":
        raise ClassroomError(N_("Sessions can only be held for a published course."))
    unit = session.get(OrgUnit, fields.org_unit_id)
    if unit is None or not scope.contains_path(unit.path):
        raise ClassroomError(N_("Choose a training centre within your org unit."))
    if fields.ends_at <= fields.starts_at:
        raise ClassroomError(N_("The session must end after it starts."))
    if not 1 <= fields.capacity <= MAX_CAPACITY:
        raise ClassroomError(N_("The capacity must be between 1 and %(max)s."), max=MAX_CAPACITY)
    if fields.capacity < booked:
        raise ClassroomError(N_("%(n)s people are booked: the capacity cannot be lower."), n=booked)
    if fields.trainer_id not in {t.id for t in trainers_for(session, unit)}:
        raise ClassroomError(N_("The trainer must be a trainer of the training centre or of a unit above it."))
    if markdown_problem(fields.instructions, "instructions", max_chars=MAX_INSTRUCTIONS_CHARS) is not None:
        raise ClassroomError(N_("The instructions are too long or too deeply nested."))
    return unit


def _check_instructions(fields: SessionFields) -> None:
    if not fields.instructions.strip():
        raise ClassroomError(N_("Say what the session covers and what the participants need (the instructions)."))


def create_session(session: Session, fields: SessionFields, *, scope: Scope, user_id: int | None,
                   now: datetime) -> ClassroomSession:
    _check_fields(session, fields, scope)
    # A session is held on its course's terms of reference, so they must be whole (sessions
    # scheduled before this rule keep being edited: only new ones are refused).
    missing = missing_terms(must_get(session, Course, fields.course_id))
    if missing:
        raise ClassroomError(N_("The course's terms of reference are incomplete (missing: %(terms)s); its authors "
                                "must complete them before sessions are held."), terms=TermNames(missing))
    _check_instructions(fields)
    if fields.starts_at <= now:
        raise ClassroomError(N_("A new session must start in the future."))
    cs = ClassroomSession(
        course_id=fields.course_id, title=fields.title.strip(), instructions_md=fields.instructions,
        instructions_html=render_markdown(fields.instructions) if fields.instructions else "",
        starts_at=fields.starts_at, ends_at=fields.ends_at, place=fields.place.strip(),
        org_unit_id=fields.org_unit_id, trainer_id=fields.trainer_id, capacity=fields.capacity, booked=0,
        waiting_seq=0, status="scheduled", created_by_id=user_id, created_at=now, updated_at=now)
    session.add(cs)
    session.flush()
    return cs


def _lock(session: Session, session_id: int) -> ClassroomSession:
    """The session row, locked for this transaction (PostgreSQL; SQLite writers are serialised)."""
    session.flush()
    cs = session.scalar(select(ClassroomSession).where(ClassroomSession.id == session_id)
                        .with_for_update().execution_options(populate_existing=True))
    if cs is None:
        raise LookupError(f"classroom session {session_id} does not exist")
    return cs


def update_session(session: Session, cs: ClassroomSession, fields: SessionFields, *, scope: Scope, now: datetime,
                   render: Renderer) -> list[User]:
    """Change a scheduled session (its course stays). A larger capacity gives
    the new places to the people waiting; returns them."""
    if cs.cancelled:
        raise ClassroomError(N_("This session is cancelled."))
    cs = _lock(session, cs.id)
    fields.course_id = cs.course_id
    _check_fields(session, fields, scope, booked=cs.booked)
    if cs.instructions_md.strip():  # given once, they are never emptied again
        _check_instructions(fields)
    cs.title, cs.place = fields.title.strip(), fields.place.strip()
    cs.instructions_md = fields.instructions
    cs.instructions_html = render_markdown(fields.instructions) if fields.instructions else ""
    cs.starts_at, cs.ends_at = fields.starts_at, fields.ends_at
    cs.org_unit_id, cs.trainer_id, cs.capacity = fields.org_unit_id, fields.trainer_id, fields.capacity
    cs.updated_at = now
    session.flush()
    return _fill_places(session, cs, now=now, render=render)


def cancel_session(session: Session, cs: ClassroomSession, *, now: datetime, render: Renderer) -> int:
    """Cancel the session and tell everyone booked or waiting. Returns how many people were told."""
    cs = _lock(session, cs.id)
    if cs.cancelled:
        return 0
    people = list(session.scalars(
        select(User).join(SessionSignup, SessionSignup.user_id == User.id)
        .where(SessionSignup.session_id == cs.id, SessionSignup.state.in_(("booked", "waiting")))
        .order_by(User.id)))
    session.execute(update(SessionSignup).where(SessionSignup.session_id == cs.id,
                                                SessionSignup.state.in_(("booked", "waiting")))
                    .values(state="cancelled", position=None, cancelled_at=now, updated_at=now)
                    .execution_options(synchronize_session=False))
    cs.status, cs.cancelled_at, cs.updated_at, cs.booked = "cancelled", now, now, 0
    session.flush()
    queue_notices(session, [Notice("session_cancelled", u, cs, f"session:{cs.id}:user:{u.id}:cancelled")
                            for u in people], render=render, now=now)
    return len(people)


# ---- sign-up and the waiting list ---------------------------------------------

def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def signup_of(session: Session, session_id: int, user_id: int) -> SessionSignup | None:
    return session.scalar(select(SessionSignup).where(SessionSignup.session_id == session_id,
                                                      SessionSignup.user_id == user_id))


def sign_up(session: Session, cs: ClassroomSession, *, user_id: int, by_id: int | None, now: datetime) -> str:
    """Book a place for the person, or put them on the waiting list when the
    session is full; enrols them in the course. Returns the state ("booked" or
    "waiting"); signing up twice changes nothing."""
    if cs.cancelled:
        raise ClassroomError(N_("This session is cancelled."))
    if cs.starts_at <= now:
        raise ClassroomError(N_("This session has already started."))
    person = must_get(session, User, user_id)
    if person.status != "active":
        raise ClassroomError(N_("%(name)s cannot be signed up: the account is not active."), name=person.username)
    course = must_get(session, Course, cs.course_id)
    if learning.get_enrolment(session, user_id=user_id, course_id=course.id) is None:
        try:
            learning.enrol(session, user_id=user_id, course=course, now=now,
                           source="self" if by_id in (None, user_id) else "assigned")
        except learning.LearningError as exc:
            raise ClassroomError(str(exc), **exc.params) from None
    cs = _lock(session, cs.id)
    if cs.cancelled:
        raise ClassroomError(N_("This session is cancelled."))
    existing = signup_of(session, cs.id, user_id)
    if existing is not None and existing.state in ("booked", "waiting"):
        return existing.state
    got_place = _take_place(session, cs.id)
    position = None if got_place else _next_position(session, cs.id)
    state = "booked" if got_place else "waiting"
    if existing is None:
        session.add(SessionSignup(session_id=cs.id, user_id=user_id, state=state, position=position,
                                  signed_up_by_id=by_id, created_at=now, updated_at=now,
                                  booked_at=now if got_place else None))
    else:
        existing.state, existing.position, existing.signed_up_by_id = state, position, by_id
        existing.updated_at, existing.booked_at, existing.cancelled_at = now, now if got_place else None, None
    session.flush()
    session.expire(cs)
    return state


def _take_place(session: Session, session_id: int) -> bool:
    """One more place booked, if one is free: the database decides (conditional UPDATE, CHECK booked <= capacity)."""
    result = cast(CursorResult, session.execute(
        update(ClassroomSession).where(ClassroomSession.id == session_id, ClassroomSession.status == "scheduled",
                                       ClassroomSession.booked < ClassroomSession.capacity)
        .values(booked=ClassroomSession.booked + 1).execution_options(synchronize_session=False)))
    return result.rowcount == 1


def _next_position(session: Session, session_id: int) -> int:
    return int(session.execute(
        update(ClassroomSession).where(ClassroomSession.id == session_id)
        .values(waiting_seq=ClassroomSession.waiting_seq + 1).returning(ClassroomSession.waiting_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one())


def cancel_signup(session: Session, cs: ClassroomSession, *, user_id: int, now: datetime,
                  render: Renderer) -> list[User]:
    """The person gives up their place (or leaves the waiting list). A freed
    place goes to the first person waiting, who is told (session_place).
    Returns the people promoted."""
    cs = _lock(session, cs.id)
    signup = signup_of(session, cs.id, user_id)
    if signup is None or signup.state == "cancelled":
        return []
    if cs.starts_at <= now and not cs.cancelled:
        raise ClassroomError(N_("This session has already started."))
    was_booked = signup.state == "booked"
    signup.state, signup.position, signup.cancelled_at, signup.updated_at = "cancelled", None, now, now
    session.flush()
    if not was_booked:
        return []
    session.execute(update(ClassroomSession).where(ClassroomSession.id == cs.id, ClassroomSession.booked > 0)
                    .values(booked=ClassroomSession.booked - 1).execution_options(synchronize_session=False))
    session.expire(cs)
    return _fill_places(session, cs, now=now, render=render)


def _fill_places(session: Session, cs: ClassroomSession, *, now: datetime, render: Renderer) -> list[User]:
    """Free places go to the people waiting, first come first served (the
    caller holds the session row)."""
    promoted: list[tuple[User, int]] = []
    while True:
        first = session.scalar(select(SessionSignup).where(SessionSignup.session_id == cs.id,
                                                           SessionSignup.state == "waiting")
                               .order_by(SessionSignup.position).limit(1))
        if first is None:
            break
        got_place = _take_place(session, cs.id)
        if not got_place:
            break
        position = int(first.position or 0)
        first.state, first.position, first.booked_at, first.updated_at = "booked", None, now, now
        session.flush()
        promoted.append((must_get(session, User, first.user_id), position))
    session.expire(cs)
    queue_notices(session, [Notice("session_place", user, cs, f"session:{cs.id}:user:{user.id}:place:{position}")
                            for user, position in promoted], render=render, now=now)
    return [user for user, _position in promoted]


@dataclass(frozen=True)
class Person:
    signup: SessionSignup
    user: User
    unit: OrgUnit | None
    attendance: str | None


def people_of(session: Session, cs: ClassroomSession, *, scope: Scope | None = None,
              states: tuple[str, ...] = ("booked", "waiting")) -> list[Person]:
    """Who is booked and waiting (waiting list in order); with a scope, only
    the people of that scope (a manager's own people on another centre's session)."""
    stmt = (select(SessionSignup, User, OrgUnit, SessionAttendance.status)
            .join(User, User.id == SessionSignup.user_id)
            .outerjoin(OrgUnit, OrgUnit.id == User.org_unit_id)
            .outerjoin(SessionAttendance, and_(SessionAttendance.session_id == cs.id,
                                               SessionAttendance.user_id == SessionSignup.user_id))
            .where(SessionSignup.session_id == cs.id, SessionSignup.state.in_(states))
            .order_by(case((SessionSignup.state == "booked", 0), else_=1), SessionSignup.position, User.username))
    if scope is not None and not scope.everything:
        stmt = stmt.where(scope.unit_condition())
    return [Person(*row) for row in session.execute(stmt).all()]


# ---- lists ------------------------------------------------------------------

def upcoming_sessions(session: Session, *, now: datetime, course_id: int | None = None,
                      include_cancelled: bool = False, limit: int = 200) -> list[ClassroomSession]:
    """Sessions of published courses that have not ended, soonest first."""
    stmt = (select(ClassroomSession).join(Course, Course.id == ClassroomSession.course_id)
            .where(ClassroomSession.ends_at > now, Course.status == "published"))
    if course_id is not None:
        stmt = stmt.where(ClassroomSession.course_id == course_id)
    if not include_cancelled:
        stmt = stmt.where(ClassroomSession.status == "scheduled")
    return list(session.scalars(stmt.order_by(ClassroomSession.starts_at, ClassroomSession.id).limit(limit)))


def states_for(session: Session, user_id: int, session_ids: list[int]) -> dict[int, str]:
    """The person's sign-up state per session ("booked", "waiting")."""
    if not session_ids:
        return {}
    return dict(session.execute(
        select(SessionSignup.session_id, SessionSignup.state)
        .where(SessionSignup.user_id == user_id, SessionSignup.session_id.in_(session_ids),
               SessionSignup.state != "cancelled")).tuples().all())


@dataclass(frozen=True)
class MySession:
    session: ClassroomSession
    course: Course
    state: str
    position: int | None  # place on the waiting list (1 = next), waiting only


def my_sessions(session: Session, *, user_id: int, now: datetime) -> list[MySession]:
    """The person's booked and waiting sessions that have not ended, soonest first."""
    rows = session.execute(
        select(ClassroomSession, Course, SessionSignup.state, SessionSignup.position, SessionSignup.session_id)
        .join(SessionSignup, SessionSignup.session_id == ClassroomSession.id)
        .join(Course, Course.id == ClassroomSession.course_id)
        .where(SessionSignup.user_id == user_id, SessionSignup.state.in_(("booked", "waiting")),
               ClassroomSession.status == "scheduled", ClassroomSession.ends_at > now)
        .order_by(ClassroomSession.starts_at)
    ).all()
    return [MySession(cs, course, state, _waiting_rank(session, sid, position) if state == "waiting" else None)
            for cs, course, state, position, sid in rows]


def _waiting_rank(session: Session, session_id: int, position: int | None) -> int:
    return int(session.scalar(select(func.count()).select_from(SessionSignup).where(
        SessionSignup.session_id == session_id, SessionSignup.state == "waiting",
        SessionSignup.position <= position)) or 0)


def waiting_rank(session: Session, signup: SessionSignup) -> int | None:
    return _waiting_rank(session, signup.session_id, signup.position) if signup.state == "waiting" else None


def course_sessions_section(session: Session, *, course, user_id: int | None, now: datetime):
    """Answers events.course_page_sections: the course's upcoming sessions, with
    the person's sign-up state, for the course page."""
    sessions = upcoming_sessions(session, now=now, course_id=course.id, limit=50)
    if not sessions:
        return None
    states = states_for(session, user_id, [s.id for s in sessions]) if user_id is not None else {}
    return "classroom/_course_sessions.html", {"sessions": sessions, "states": states}


events.course_page_sections.connect(course_sessions_section)


# ---- attendance ---------------------------------------------------------------

def attended_sessions(session: Session, *, user_id: int, course_id: int) -> int:
    """How many sessions of the course the person attended (marked present;
    cancelled sessions do not count). Read by the completion rules."""
    return int(session.scalar(
        select(func.count()).select_from(SessionAttendance)
        .join(ClassroomSession, ClassroomSession.id == SessionAttendance.session_id)
        .where(SessionAttendance.user_id == user_id, SessionAttendance.status == "present",
               ClassroomSession.course_id == course_id, ClassroomSession.status == "scheduled")
    ) or 0)


@dataclass(frozen=True)
class AttendanceResult:
    marked: int
    present: int
    completed: int  # course completions recorded by this marking

    def __str__(self) -> str:
        return f"{self.marked} marked, {self.present} present, {self.completed} completions"


def mark_attendance(session: Session, cs: ClassroomSession, marks: dict[int, str], *, by_id: int | None,
                    now: datetime) -> AttendanceResult:
    """Record present / absent / excused for people booked on the session (a
    mark can be changed). Marking someone present may complete the course,
    at this moment (lms.learn.services.complete_course_if_done)."""
    if cs.cancelled:
        raise ClassroomError(N_("This session is cancelled."))
    if cs.starts_at > now:
        raise ClassroomError(N_("Attendance can be recorded once the session has started."))
    if any(status not in ATTENDANCE_STATUSES for status in marks.values()):
        raise ClassroomError(N_("Unknown attendance status."))
    booked = set(session.scalars(select(SessionSignup.user_id).where(SessionSignup.session_id == cs.id,
                                                                     SessionSignup.state == "booked")))
    if set(marks) - booked:
        raise ClassroomError(N_("Attendance can only be recorded for people booked on the session."))
    existing = {a.user_id: a for a in session.scalars(
        select(SessionAttendance).where(SessionAttendance.session_id == cs.id, SessionAttendance.user_id.in_(marks)))}
    changed = present = completed = 0
    for user_id, status in sorted(marks.items()):
        row = existing.get(user_id)
        if row is None:
            session.add(SessionAttendance(session_id=cs.id, user_id=user_id, status=status, marked_by_id=by_id,
                                          marked_at=now))
        elif row.status != status:
            row.status, row.marked_by_id, row.marked_at = status, by_id, now
        else:
            continue
        changed += 1
        if status == "present":
            present += 1
            session.flush()
            events.session_attended(session, user_id=user_id, session_id=cs.id, course_id=cs.course_id, now=now)
            if learning.complete_course_if_done(session, user_id=user_id, course_id=cs.course_id, now=now):
                completed += 1
    session.flush()
    return AttendanceResult(changed, present, completed)


_USERNAME_RE = re.compile(r"^[\w.@+-]{1,80}$")
ATTENDANCE_COLUMNS = ("username", "status")


def parse_attendance_csv(session: Session, cs: ClassroomSession, data: bytes | str) -> dict[int, str]:
    """The sign-in sheet (username,status): {user id: status}. Any bad row
    refuses the whole file (ImportInvalid, every problem with its line)."""
    rows, errors = read_rows(decode(data), ATTENDANCE_COLUMNS, ATTENDANCE_COLUMNS)
    refuse(errors)
    names = {values["username"] for _line, values in rows}
    booked = dict(session.execute(
        select(User.username, User.id).join(SessionSignup, SessionSignup.user_id == User.id)
        .where(SessionSignup.session_id == cs.id, SessionSignup.state == "booked", User.username.in_(names))
    ).tuples().all())
    known = set(session.scalars(select(User.username).where(User.username.in_(names))))
    marks: dict[int, str] = {}
    seen: dict[str, int] = {}
    for line, values in rows:
        username, status = values["username"], values["status"].lower()
        if not username:
            errors.append(RowError(line, N_("%(column)s is required"), {"column": "username"}))
        elif username in seen:
            errors.append(RowError(line, N_("%(username)s appears twice (line %(first)s)"),
                                   {"username": username, "first": seen[username]}))
        elif username not in known:
            errors.append(RowError(line, N_("unknown username %(username)s"), {"username": username}))
        elif username not in booked:
            errors.append(RowError(line, N_("%(username)s is not booked on this session"), {"username": username}))
        seen.setdefault(username, line)
        if status not in ATTENDANCE_STATUSES:
            message, params = bad_choice("status", values["status"], ATTENDANCE_STATUSES)
            errors.append(RowError(line, message, params))
        if username in booked and status in ATTENDANCE_STATUSES:
            marks[booked[username]] = status
    refuse(errors)
    return marks


# ---- the trainer's queue ----------------------------------------------------------

@dataclass(frozen=True)
class QueueRow:
    session: ClassroomSession
    booked: int
    unmarked: int
    overdue: bool


def _queue(*, user, scope: Scope, now: datetime):
    """Per session ended, scheduled, in the scope (or run by the user): the people booked and
    those without an attendance mark; only sessions with someone unmarked."""
    unmarked = func.count(SessionSignup.id).filter(SessionAttendance.id.is_(None))
    return (select(ClassroomSession.id.label("session_id"), ClassroomSession.ends_at.label("ends_at"),
                   func.count(SessionSignup.id).label("booked"), unmarked.label("unmarked"))
            .join(OrgUnit, OrgUnit.id == ClassroomSession.org_unit_id)
            .join(SessionSignup, and_(SessionSignup.session_id == ClassroomSession.id, SessionSignup.state == "booked"))
            .outerjoin(SessionAttendance, and_(SessionAttendance.session_id == ClassroomSession.id,
                                               SessionAttendance.user_id == SessionSignup.user_id))
            .where(ClassroomSession.status == "scheduled", ClassroomSession.ends_at <= now,
                   or_(scope.unit_condition(), ClassroomSession.trainer_id == user.id))
            .group_by(ClassroomSession.id, ClassroomSession.ends_at)
            .having(unmarked > 0)).subquery()


def attendance_queue(session: Session, *, user, scope: Scope, now: datetime, limit: int = 200) -> list[QueueRow]:
    """Sessions that ended with booked people whose attendance is not recorded,
    in the user's scope (or run by them), oldest first; overdue: ended more
    than QUEUE_OVERDUE_AFTER ago."""
    q = _queue(user=user, scope=scope, now=now)
    rows = session.execute(
        select(ClassroomSession, q.c.booked, q.c.unmarked).join(q, q.c.session_id == ClassroomSession.id)
        .order_by(ClassroomSession.ends_at, ClassroomSession.id).limit(limit)
    ).all()
    return [QueueRow(cs, int(b), int(u), cs.ends_at < now - QUEUE_OVERDUE_AFTER) for cs, b, u in rows]


@dataclass(frozen=True)
class QueueCounts:
    sessions: int
    overdue: int
    unmarked: int  # people booked without an attendance mark


def attendance_queue_counts(session: Session, *, user, scope: Scope, now: datetime) -> QueueCounts:
    """The queue's totals in one aggregate (for the page and a home page's counts)."""
    q = _queue(user=user, scope=scope, now=now)
    sessions, overdue, unmarked = session.execute(
        select(func.count(), func.count().filter(q.c.ends_at < now - QUEUE_OVERDUE_AFTER),
               func.coalesce(func.sum(q.c.unmarked), 0)).select_from(q)).one()
    return QueueCounts(int(sessions), int(overdue or 0), int(unmarked or 0))


# ---- reminders ------------------------------------------------------------------

def reminder_key(session_id: int, user_id: int) -> str:
    return f"session:{session_id}:user:{user_id}:reminder"


def due_session_reminders(session: Session, *, now: datetime, before: timedelta = REMINDER_BEFORE) -> list[Notice]:
    """Reminders of sessions starting within `before` for the people booked,
    not queued yet (one per person and session, whatever the number of runs)."""
    key = (literal("session:") + sql_cast(ClassroomSession.id, String) + literal(":user:")
           + sql_cast(SessionSignup.user_id, String) + literal(":reminder"))
    queued = exists().where(OutboxMessage.dedupe_key == key)
    rows = session.execute(
        select(ClassroomSession, User)
        .join(SessionSignup, SessionSignup.session_id == ClassroomSession.id)
        .join(User, User.id == SessionSignup.user_id)
        .where(ClassroomSession.status == "scheduled", ClassroomSession.starts_at > now,
               ClassroomSession.starts_at <= now + before, SessionSignup.state == "booked",
               User.status == "active", User.email != "", ~queued)
        .order_by(ClassroomSession.id, User.id)
    ).all()
    return [Notice("session_reminder", user, cs, reminder_key(cs.id, user.id)) for cs, user in rows]
