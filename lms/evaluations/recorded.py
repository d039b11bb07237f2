"""Training done elsewhere (issue 15, item 3): a manager, trainer or
administrator records that people completed a course held outside the
platform (a date, a place and the evidence), one by one or from a CSV file.

A recorded completion is an ordinary CourseCompletion (source 'recorded',
completed_at = the start of the given day in the site's zone) inserted the way the learner's own completion
is, and followed by `events.course_completed` in the same transaction, so the
report counters count it in the month it happened. The person is enrolled
(source 'recorded', enrolled on that date) if they were not, so the course
report and the transcript show it. A person who already completed the course
keeps their completion untouched: the row is reported as "already completed".
Anything wrong with any row refuses everything (ImportInvalid, nothing written).

No flask here: the views pass the recorder, their scope, `now` and the local date.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, aliased

from lms import events
from lms.auth.models import User
from lms.courses.models import Course
from lms.csvfile import ImportInvalid, RowError, decode, read_rows, refuse
from lms.dbutil import any_contains, insert_ignoring_duplicates
from lms.learn import services as learning
from lms.learn.models import CourseCompletion
from lms.msgids import N_
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope
from lms.zones import start_of_local_day

REQUIRED_COLUMNS = ("username", "course_code", "completed_on", "place", "evidence")
# mode: how the training was delivered (online, classroom or blended); empty means classroom.
RECORDED_COLUMNS = (*REQUIRED_COLUMNS, "mode")
RECORDED_MODES = ("online", "classroom", "blended")  # lms.courses.models.DELIVERY_MODES
DEFAULT_MODE = "classroom"  # training held outside the platform is mostly given in a room
EARLIEST = date(2000, 1, 1)
MAX_PLACE = 200
MAX_EVIDENCE = 1000
MAX_ROWS = 5000  # per file (each row enrols and counts one person)
MAX_PEOPLE = 200  # per form
RECORDER_ROLES = ("manager", "trainer", "admin")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPLIT = re.compile(r"[\s,;，；、]+")

__all__ = ["RECORDED_COLUMNS", "RECORDER_ROLES", "ImportInvalid", "RecordResult", "RecordRow", "import_records",
           "parse_usernames", "record_training", "recorded_page"]




@dataclass
class RecordRow:
    line: int  # the CSV line (0: the form)
    username: str
    course_code: str
    completed_on: date | None
    place: str
    evidence: str
    mode: str = DEFAULT_MODE


@dataclass
class Already:
    username: str
    course_code: str
    completed_at: datetime
    source: str


@dataclass
class RecordResult:
    recorded: list[RecordRow] = field(default_factory=list)
    already: list[Already] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.recorded)} recorded, {len(self.already)} already completed"


def check_details(line: int, completed_on: str | date | None, place: str, evidence: str, *,
                  today: date, mode: str = DEFAULT_MODE) -> tuple[date | None, list[RowError]]:
    """The date (YYYY-MM-DD, not in the future, not before 2000), the place,
    the evidence and the mode of training."""
    errors: list[RowError] = []
    if mode not in RECORDED_MODES:
        errors.append(RowError(line, N_("bad mode %(value)s (online, classroom or blended)"), {"value": repr(mode)}))
    day: date | None = None
    if isinstance(completed_on, date):
        day = completed_on
    elif not completed_on:
        errors.append(RowError(line, N_("%(column)s is required"), {"column": "completed_on"}))
    elif not _DATE.match(completed_on):
        errors.append(RowError(line, N_("bad completed_on %(value)s (YYYY-MM-DD)"), {"value": repr(completed_on)}))
    else:
        try:
            day = date.fromisoformat(completed_on)
        except ValueError:
            errors.append(RowError(line, N_("bad completed_on %(value)s (YYYY-MM-DD)"), {"value": repr(completed_on)}))
    if day is not None and day > today:
        errors.append(RowError(line, N_("completed_on %(value)s is in the future"), {"value": day.isoformat()}))
        day = None
    elif day is not None and day < EARLIEST:
        errors.append(RowError(line, N_("completed_on %(value)s is before 2000"), {"value": day.isoformat()}))
        day = None
    for column, value, limit in (("place", place, MAX_PLACE), ("evidence", evidence, MAX_EVIDENCE)):
        if not value.strip():
            errors.append(RowError(line, N_("%(column)s is required"), {"column": column}))
        elif len(value) > limit:
            errors.append(RowError(line, N_("%(column)s longer than %(max)s characters"), {"column": column, "max": limit}))
    return day, errors


def read_records(data: bytes | str, *, today: date) -> tuple[list[RecordRow], list[RowError]]:
    """Check the file on its own (every row, every error)."""
    rows, errors = read_rows(decode(data), RECORDED_COLUMNS, REQUIRED_COLUMNS)
    if len(rows) > MAX_ROWS:
        return [], [RowError(1, N_("at most %(max)s rows per file"), {"max": MAX_ROWS})]
    parsed: list[RecordRow] = []
    seen: dict[tuple[str, str], int] = {}
    for line, r in rows:
        username, code = r.get("username", ""), r.get("course_code", "")
        for column, value in (("username", username), ("course_code", code)):
            if not value:
                errors.append(RowError(line, N_("%(column)s is required"), {"column": column}))
        if username and code:
            key = (username, code)
            if key in seen:
                errors.append(RowError(line, N_("%(user)s and %(course)s also on line %(other)s"),
                                       {"user": username, "course": code, "other": seen[key]}))
            else:
                seen[key] = line
        mode = r.get("mode", "").strip().lower() or DEFAULT_MODE
        day, problems = check_details(line, r.get("completed_on", ""), r.get("place", ""), r.get("evidence", ""),
                                      today=today, mode=mode)
        errors.extend(problems)
        parsed.append(RecordRow(line, username, code, day, r.get("place", ""), r.get("evidence", ""), mode))
    return parsed, errors


def parse_usernames(text: str) -> list[str]:
    """Usernames separated by spaces, new lines, commas or semicolons, each once, in order."""
    return list(dict.fromkeys(p for p in _SPLIT.split(text or "") if p))


def _people(session: Session, scope: Scope, usernames: Iterable[str]) -> dict[str, tuple[User, str | None]]:
    """The named people: username -> (user, their unit's path)."""
    names = sorted(set(usernames))
    out: dict[str, tuple[User, str | None]] = {}
    for start in range(0, len(names), 900):
        for user, path in session.execute(
                select(User, OrgUnit.path).outerjoin(OrgUnit, OrgUnit.id == User.org_unit_id)
                .where(User.username.in_(names[start:start + 900]))):
            out[user.username] = (user, path)
    return out


def _check_against_database(session: Session, rows: list[RecordRow], scope: Scope,
                            ) -> tuple[list[RowError], dict[str, User], dict[str, Course]]:
    people = _people(session, scope, (r.username for r in rows if r.username))
    codes = sorted({r.course_code for r in rows if r.course_code})
    courses = {c.code: c for c in session.scalars(select(Course).where(Course.code.in_(codes)))} if codes else {}
    errors: list[RowError] = []
    users: dict[str, User] = {}
    for r in rows:
        if r.username:
            found = people.get(r.username)
            if found is None or not (scope.everything or scope.contains_path(found[1])):
                # An unknown person and one outside the scope look the same.
                errors.append(RowError(r.line, N_("no person %(value)s in your org units"), {"value": repr(r.username)}))
            elif found[0].status != "active":
                errors.append(RowError(r.line, N_("%(value)s is not an active account"), {"value": repr(r.username)}))
            else:
                users[r.username] = found[0]
        if r.course_code:
            course = courses.get(r.course_code)
            if course is None:
                errors.append(RowError(r.line, N_("unknown course_code %(value)s"), {"value": repr(r.course_code)}))
            elif course.status != "published":
                errors.append(RowError(r.line, N_("course %(value)s is not published"), {"value": repr(r.course_code)}))
    return errors, users, courses


def _write(session: Session, rows: list[RecordRow], users: dict[str, User], courses: dict[str, Course], *,
           recorder_id: int, now: datetime) -> RecordResult:
    result = RecordResult()
    pairs = [(users[r.username].id, courses[r.course_code].id) for r in rows]
    existing: dict[tuple[int, int], CourseCompletion] = {}
    for start in range(0, len(pairs), 400):
        chunk = pairs[start:start + 400]
        for done in session.scalars(select(CourseCompletion).where(
                tuple_(CourseCompletion.user_id, CourseCompletion.course_id).in_(chunk))):
            existing[(done.user_id, done.course_id)] = done
    for r, (user_id, course_id) in zip(rows, pairs, strict=True):
        if (user_id, course_id) in existing:
            done = existing[(user_id, course_id)]
            result.already.append(Already(r.username, r.course_code, done.completed_at, done.source))
            continue
        if r.completed_on is None:  # refused by the checks before: never reached
            raise ImportInvalid([RowError(r.line, N_("%(column)s is required"), {"column": "completed_on"})])
        completed_at = start_of_local_day(r.completed_on)  # the day in the site's zone: its month counts it
        learning.enrol(session, user_id=user_id, course=courses[r.course_code], now=completed_at, source="recorded")
        recorded = insert_ignoring_duplicates(
            session, CourseCompletion,
            {"user_id": user_id, "course_id": course_id, "completed_at": completed_at, "score": None,
             "source": "recorded", "recorded_by_id": recorder_id, "recorded_at": now,
             "recorded_place": r.place.strip(), "recorded_evidence": r.evidence.strip(), "mode": r.mode},
            unique=["user_id", "course_id"])
        if recorded:
            events.course_completed(session, user_id=user_id, course_id=course_id)  # same transaction
            result.recorded.append(r)
        else:  # completed online a moment ago, in a parallel request
            done = session.scalars(select(CourseCompletion).where(CourseCompletion.user_id == user_id,
                                                                  CourseCompletion.course_id == course_id)).one()
            result.already.append(Already(r.username, r.course_code, done.completed_at, done.source))
    session.flush()
    return result


def import_records(session: Session, data: bytes | str, *, recorder, scope: Scope, now: datetime,
                   today: date) -> RecordResult:
    """Record every row of a CSV file, or nothing: ImportInvalid lists every
    bad row (format, unknown or out-of-scope person, unknown course, date)."""
    rows, errors = read_records(data, today=today)
    more, users, courses = _check_against_database(session, rows, scope)
    refuse(errors + more)
    return _write(session, rows, users, courses, recorder_id=recorder.id, now=now)


def record_training(session: Session, *, recorder, scope: Scope, course_code: str, usernames: list[str],
                    completed_on: date | None, place: str, evidence: str, now: datetime, today: date,
                    mode: str = DEFAULT_MODE) -> RecordResult:
    """The form: one course, one date, place and mode, several people.
    ImportInvalid (line 0) for anything wrong; nothing written then."""
    day, errors = check_details(0, completed_on, place, evidence, today=today, mode=mode)
    if not usernames:
        errors.append(RowError(0, N_("Name at least one person (their username).")))
    elif len(usernames) > MAX_PEOPLE:
        errors.append(RowError(0, N_("At most %(max)s people at once; use a CSV file for more."), {"max": MAX_PEOPLE}))
        usernames = []
    rows = [RecordRow(0, name, course_code, day, place, evidence, mode) for name in usernames]
    more, users, courses = _check_against_database(session, rows or [RecordRow(0, "", course_code, day, place, evidence, mode)],
                                                   scope)
    refuse(errors + more)
    return _write(session, rows, users, courses, recorder_id=recorder.id, now=now)


# ---- the list ------------------------------------------------------------------------------

@dataclass
class RecordedLine:
    completion: CourseCompletion
    person: User
    unit: OrgUnit | None
    course: Course
    recorder: User | None


def recorded_page(session: Session, scope: Scope, *, course_id: int | None = None, q: str = "",
                  since: date | None = None, until: date | None = None, page: int = 1, per_page: int = 50,
                  ) -> tuple[list[RecordedLine], int]:
    """Recorded completions of people in the scope, newest first: one page and the total."""
    recorder = aliased(User)
    stmt = (select(CourseCompletion, User, OrgUnit, Course, recorder)
            .join(User, User.id == CourseCompletion.user_id)
            .outerjoin(OrgUnit, OrgUnit.id == User.org_unit_id)
            .join(Course, Course.id == CourseCompletion.course_id)
            .outerjoin(recorder, recorder.id == CourseCompletion.recorded_by_id)
            .where(CourseCompletion.source == "recorded"))
    if not scope.everything:
        stmt = stmt.where(scope.unit_condition(OrgUnit))
    if course_id is not None:
        stmt = stmt.where(CourseCompletion.course_id == course_id)
    if q.strip():
        stmt = stmt.where(any_contains(q.strip(), User.username, User.full_name, CourseCompletion.recorded_place,
                                       CourseCompletion.recorded_evidence))
    if since is not None:
        stmt = stmt.where(CourseCompletion.completed_at >= start_of_local_day(since))
    if until is not None:
        stmt = stmt.where(CourseCompletion.completed_at < start_of_local_day(until + timedelta(days=1)))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.execute(stmt.order_by(CourseCompletion.completed_at.desc(), CourseCompletion.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return [RecordedLine(*row) for row in rows], total


def recorded_courses(session: Session) -> list[Course]:
    """Courses one may record training for (published), for the form's choice."""
    return list(session.scalars(select(Course).where(Course.status == "published").order_by(Course.code)))
