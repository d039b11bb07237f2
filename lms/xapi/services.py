"""Learning events as stored xAPI statements, their export within the reader's
scope, and their forwarding to a learning record store through the outbox.

The subscribers below connect to the record events of lms.events when this
module is imported (the app factory does it) and run in the caller's
transaction: each event reads what the statement needs in ONE query and writes
ONE row (INSERT ... ON CONFLICT DO NOTHING on the statement id, so an event
recorded twice adds nothing); when a learning record store is configured the
statement is also queued in the outbox (kind "xapi", dedupe_key "xapi:<id>")
in the same transaction, and `lms send-xapi` posts it.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Integer, bindparam, or_, select
from sqlalchemy.orm import Session

from lms import events
from lms.assignments.services import queue_messages
from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.courses.models import Course, CourseVersion, Lesson, Quiz
from lms.db import table_of
from lms.dbutil import insert_ignoring_statement
from lms.learn.models import CourseCompletion, LessonCompletion, QuizAttempt
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope
from lms.xapi.models import XapiStatement
from lms.xapi.statements import Builder, CourseRef, timestamp

MAX_PAGE = 500
DEFAULT_PAGE = 100


@dataclass(frozen=True)
class Settings:
    base_url: str = "http://127.0.0.1:5000"
    endpoint: str = ""  # the learning record store; empty: statements are kept here only


_settings = Settings()


def configure(*, base_url: str, endpoint: str) -> None:
    """Called by the app factory with the configuration (BASE_URL, XAPI_ENDPOINT)."""
    global _settings
    _settings = Settings(base_url=base_url.rstrip("/"), endpoint=endpoint.strip())


def settings() -> Settings:
    return _settings


def _clock() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# ---- recording --------------------------------------------------------------

def record(session: Session, statement: dict, *, user_id: int, stored: datetime) -> bool:
    """Store a statement (once: its id is unique) and queue it for the learning
    record store when one is configured. True when it was new."""
    connection = session.connection()
    added = connection.execute(_insert_statement(connection.dialect.name), {
        "statement_id": statement["id"], "user_id": user_id, "verb": statement["verb"]["id"],
        "object_id": statement["object"]["id"], "timestamp": _parse_timestamp(statement["timestamp"]),
        "stored": stored, "statement": statement}).first() is not None  # keys: _STATEMENT_KEYS
    endpoint = _settings.endpoint
    if added and endpoint:
        queue_messages(session, [{"recipient": endpoint[:254], "subject": statement["verb"]["id"][:300],
                                  "body": json.dumps(statement, ensure_ascii=False), "kind": "xapi",
                                  "dedupe_key": f"xapi:{statement['id']}", "user_id": user_id}], now=stored)
    return added


_STATEMENT_KEYS = ("statement_id", "user_id", "verb", "object_id", "timestamp", "stored", "statement")


def _insert_statement(dialect: str):
    """INSERT ... ON CONFLICT (statement_id) DO NOTHING RETURNING id, built once per
    dialect with its values as parameters (the learner's hot path runs it; see
    lms.dbutil.insert_ignoring_statement)."""
    return insert_ignoring_statement(table_of(XapiStatement), dialect, ("statement_id",), _STATEMENT_KEYS)


def _parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def _course_ref(code: str, title: str, language: str) -> CourseRef:
    return CourseRef(code=code, title=title, language=language)


def _lesson_statement():
    """Who and which lesson, in one Core SELECT built once (the lesson page's hot path runs it)."""
    users, lessons, versions, courses = (table_of(m) for m in (User, Lesson, CourseVersion, Course))
    return (select(users.c.username, lessons.c.slug, lessons.c.title, courses.c.code, versions.c.title,
                   versions.c.language)
            .select_from(lessons).join(versions, versions.c.id == lessons.c.version_id)
            .join(courses, courses.c.id == lessons.c.course_id)
            .join(users, users.c.id == bindparam("user_id", type_=Integer))
            .where(lessons.c.id == bindparam("lesson_id", type_=Integer)))


_LESSON = _lesson_statement()


def _lesson_completed(session: Session, *, user_id: int, lesson_id: int, course_id: int,
                      now: datetime | None = None, at: datetime | None = None) -> bool:
    """`at`: when it happened, if long before `now` (the backfill)."""
    row = session.connection().execute(_LESSON, {"user_id": user_id, "lesson_id": lesson_id}).first()
    if row is None:
        return False
    username, slug, title, code, course_title, language = row
    stored = now or _clock()
    statement = Builder(_settings.base_url).lesson_experienced(
        user_id=user_id, username=username, lesson_id=lesson_id, slug=slug, lesson_title=title,
        course=_course_ref(code, course_title, language), at=at or stored)
    return record(session, statement, user_id=user_id, stored=stored)


# Built once (every quiz submission runs it).
_ATTEMPT = (select(User.username, QuizAttempt.passed, QuizAttempt.score, QuizAttempt.points_earned,
                   QuizAttempt.points_possible, QuizAttempt.submitted_at, Quiz.title, Course.code, CourseVersion.title,
                   CourseVersion.language)
            .select_from(QuizAttempt).join(Quiz, Quiz.id == QuizAttempt.quiz_id)
            .join(CourseVersion, CourseVersion.id == Quiz.version_id).join(Course, Course.id == Quiz.course_id)
            .join(User, User.id == QuizAttempt.user_id)
            .where(QuizAttempt.id == bindparam("attempt_id", type_=Integer),
                   QuizAttempt.user_id == bindparam("user_id", type_=Integer)))


def _quiz_graded(session: Session, *, user_id: int, attempt_id: int, now: datetime | None = None,
                 backfill: bool = False) -> bool:
    """passed/failed once the pass is decided (an essay waiting for a person: not yet)."""
    row = session.execute(_ATTEMPT, {"attempt_id": attempt_id, "user_id": user_id}).first()
    if row is None or row.passed is None:
        return False
    stored = now or _clock()
    at = (row.submitted_at or stored) if backfill else stored
    statement = Builder(_settings.base_url).quiz_graded(
        attempt_id=attempt_id, username=row.username, quiz_title=row.title,
        course=_course_ref(row.code, row[8], row.language), passed=bool(row.passed), score=row.score or 0.0,
        points_earned=row.points_earned or 0.0, points_possible=row.points_possible or 0.0, at=at)
    return record(session, statement, user_id=user_id, stored=stored)


def _course_completed(session: Session, *, user_id: int, course_id: int, now: datetime | None = None) -> bool:
    row = session.execute(
        select(User.username, Course.code, Course.title, Course.language, CourseCompletion.score,
               CourseCompletion.completed_at)
        .select_from(CourseCompletion).join(Course, Course.id == CourseCompletion.course_id)
        .join(User, User.id == CourseCompletion.user_id)
        .where(CourseCompletion.user_id == user_id, CourseCompletion.course_id == course_id)).first()
    if row is None:
        return False
    username, code, title, language, score, completed_at = row
    statement = Builder(_settings.base_url).course_completed(
        user_id=user_id, course_id=course_id, username=username, course=_course_ref(code, title, language),
        score=score, at=completed_at)
    # The hook carries no time: the completion row was written at this moment (the backfill passes `now`).
    return record(session, statement, user_id=user_id, stored=now or completed_at)


def _user_and_course(session: Session, user_id: int, course_id: int | None):
    """(username, CourseRef or None) in one query; None when the person does not exist."""
    if course_id is None:
        username = session.scalar(select(User.username).where(User.id == user_id))
        return None if username is None else (username, None)
    row = session.execute(
        select(User.username, Course.code, Course.title, Course.language)
        .select_from(User).outerjoin(Course, Course.id == course_id).where(User.id == user_id)).first()
    if row is None:
        return None
    return row.username, (_course_ref(row.code, row.title, row.language) if row.code is not None else None)


def _session_attended(session: Session, *, user_id: int, session_id: int, course_id: int | None = None,
                      now: datetime | None = None) -> bool:
    found = _user_and_course(session, user_id, course_id)
    if found is None:
        return False
    at = now or _clock()
    statement = Builder(_settings.base_url).session_attended(
        user_id=user_id, session_id=session_id, username=found[0], course=found[1], at=at)
    return record(session, statement, user_id=user_id, stored=at)


def _certificate_issued(session: Session, *, user_id: int, certificate_id: int, course_id: int | None = None,
                        programme_id: int | None = None, now: datetime | None = None) -> bool:
    found = _user_and_course(session, user_id, course_id)
    if found is None:
        return False
    at = now or _clock()
    statement = Builder(_settings.base_url).certificate_earned(
        certificate_id=certificate_id, username=found[0], course=found[1], programme_id=programme_id, at=at)
    return record(session, statement, user_id=user_id, stored=at)


events.lesson_completed.connect(_lesson_completed)
events.quiz_graded.connect(_quiz_graded)
events.course_completed.connect(_course_completed)
events.session_attended.connect(_session_attended)
events.certificate_issued.connect(_certificate_issued)


# ---- backfill ---------------------------------------------------------------

def backfill(session: Session, *, now: datetime) -> int:
    """Statements for the lesson completions, graded attempts and course
    completions recorded before statements were kept (or while they were
    lost): the same deterministic ids, so running it again adds nothing.
    Returns the number of statements added."""
    added = 0
    for user_id, lesson_id, course_id, at in session.execute(
            select(LessonCompletion.user_id, LessonCompletion.lesson_id, Lesson.course_id, LessonCompletion.completed_at)
            .join(Lesson, Lesson.id == LessonCompletion.lesson_id).order_by(LessonCompletion.id)).all():
        added += _lesson_completed(session, user_id=user_id, lesson_id=lesson_id, course_id=course_id, now=now, at=at)
    for user_id, attempt_id in session.execute(
            select(QuizAttempt.user_id, QuizAttempt.id).where(QuizAttempt.passed.is_not(None))
            .order_by(QuizAttempt.id)).all():
        added += _quiz_graded(session, user_id=user_id, attempt_id=attempt_id, now=now, backfill=True)
    for user_id, course_id in session.execute(
            select(CourseCompletion.user_id, CourseCompletion.course_id).order_by(CourseCompletion.id)).all():
        added += _course_completed(session, user_id=user_id, course_id=course_id, now=now)
    for certificate_id, user_id, course_id, programme_id, issued_at in session.execute(
            select(Certificate.id, Certificate.user_id, Certificate.course_id, Certificate.programme_id,
                   Certificate.issued_at).order_by(Certificate.id)).all():
        added += _certificate_issued(session, user_id=user_id, certificate_id=certificate_id, course_id=course_id,
                                     programme_id=programme_id, now=issued_at)
    return added


# ---- reading ----------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    since: datetime | None = None  # stored after (exclusive)
    until: datetime | None = None  # stored at or before
    verb: str | None = None
    user_id: int | None = None
    before_id: int | None = None  # paging: statements older than this one
    limit: int = DEFAULT_PAGE


def _visible(stmt, scope: Scope, viewer_id: int):
    """Everything (administrators, national managers); the people of the
    manager's subtree, and themselves; anyone else: their own statements."""
    if scope.everything:
        return stmt
    if scope.path is None:
        return stmt.where(XapiStatement.user_id == viewer_id)
    in_scope = (select(User.id).join(OrgUnit, OrgUnit.id == User.org_unit_id).where(scope.unit_condition()))
    return stmt.where(or_(XapiStatement.user_id == viewer_id, XapiStatement.user_id.in_(in_scope)))


def _filtered(stmt, query: Query):
    if query.since is not None:
        stmt = stmt.where(XapiStatement.stored > query.since)
    if query.until is not None:
        stmt = stmt.where(XapiStatement.stored <= query.until)
    if query.verb is not None:
        stmt = stmt.where(XapiStatement.verb == query.verb)
    if query.user_id is not None:
        stmt = stmt.where(XapiStatement.user_id == query.user_id)
    if query.before_id is not None:
        stmt = stmt.where(XapiStatement.id < query.before_id)
    return stmt


def exported(row: XapiStatement) -> dict:
    """The statement as an LRS returns it: with the time it was stored here."""
    return {**row.statement, "stored": timestamp(row.stored)}


def statements_page(session: Session, *, scope: Scope, viewer_id: int, query: Query) -> tuple[list[dict], int | None]:
    """One page of statements, newest first, and the id to continue before (None: no more)."""
    limit = max(1, min(query.limit, MAX_PAGE))
    stmt = _filtered(_visible(select(XapiStatement), scope, viewer_id), query)
    rows = list(session.scalars(stmt.order_by(XapiStatement.id.desc()).limit(limit + 1)))
    more = rows[limit - 1].id if len(rows) > limit else None
    return [exported(r) for r in rows[:limit]], more


def all_statements(session: Session, *, scope: Scope, viewer_id: int, query: Query) -> Iterator[dict]:
    """Every statement of the query, newest first, a batch at a time (downloads)."""
    stmt = _filtered(_visible(select(XapiStatement), scope, viewer_id), query).order_by(XapiStatement.id.desc())
    for row in session.scalars(stmt.execution_options(yield_per=500)):
        yield exported(row)
