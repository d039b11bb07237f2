"""Assigned training and reminders. No flask: callers pass the session, the
clock (`now`, `today`) and the ids; mail text is rendered by the caller (in
the learner's language) and handed to `queue_messages`.

Membership rule: an active assignment applies to every ACTIVE person whose
org unit lies in the assignment's subtree and whose staff category is one of
the assignment's categories. `sync_assignments` (set-based, for bulk changes)
and `apply_assignments_to_user` (one person) keep assignment_members equal to
that rule and enrol new members (source "assigned"); a person who leaves the
scope stops being a member (their enrolment and progress stay theirs).
"""
from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, delete, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lms import events
from lms.assignments.models import Assignment, AssignmentCategory, AssignmentMember, OutboxMessage
from lms.auth.models import User
from lms.courses.models import Course, CourseVersion
from lms.db import must_get, table_of
from lms.enums import EMAIL_KINDS, OUTBOX_KINDS, PROFESSIONS, STAFF_CATEGORIES
from lms.learn.models import CourseCompletion, Enrolment
from lms.learn.services import LearningError, enrol
from lms.msgids import N_
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope, path_startswith
from lms.zones import local_date

DUE_SOON_DAYS = 3
MAX_SEND_ATTEMPTS = 8
CLAIM_TIMEOUT = timedelta(minutes=15)


class AssignmentError(ValueError):
    """A refused assignment; the message is a translatable msgid."""


def _insert(session: Session, table):
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


# ---- creating and cancelling ----------------------------------------------

def create_assignments(session: Session, *, course_ids: Sequence[int], org_unit_id: int,
                       categories: Iterable[str], due_on: date, created_by_id: int | None,
                       now: datetime, profession: str | None = None) -> list[Assignment]:
    """One assignment per course, all for the same subtree, categories and due
    date; everyone who matches is enrolled now (set-based). The caller has
    checked that the unit is in the manager's scope."""
    cats = sorted(set(categories))
    if not cats or any(c not in STAFF_CATEGORIES for c in cats):
        raise AssignmentError(N_("Choose at least one staff category."))
    if not course_ids:
        raise AssignmentError(N_("Choose at least one course."))
    if due_on < local_date(now):
        raise AssignmentError(N_("The due date is in the past."))
    if profession is not None and profession not in PROFESSIONS:
        raise AssignmentError(N_("Unknown profession."))
    if session.get(OrgUnit, org_unit_id) is None:
        raise AssignmentError(N_("Unknown org unit."))
    courses = list(session.scalars(select(Course).where(Course.id.in_(list(course_ids)))))
    if len(courses) != len(set(course_ids)) or any(c.status != "published" for c in courses):
        raise AssignmentError(N_("Only published courses can be assigned."))
    created = []
    for course in sorted(courses, key=lambda c: c.code):
        assignment = Assignment(course_id=course.id, org_unit_id=org_unit_id, due_on=due_on,
                                created_by_id=created_by_id, created_at=now, profession=profession,
                                categories=[AssignmentCategory(staff_category=c) for c in cats])
        session.add(assignment)
        created.append(assignment)
    session.flush()
    sync_assignments(session, now=now, assignment_ids=[a.id for a in created])
    return created


def cancel_assignment(session: Session, assignment: Assignment, *, now: datetime) -> bool:
    """Stop enrolling newcomers and sending reminders; enrolments stay."""
    if assignment.cancelled_at is not None:
        return False
    assignment.cancelled_at = now
    session.execute(delete(OutboxMessage).where(OutboxMessage.assignment_id == assignment.id,
                                                OutboxMessage.sent_at.is_(None)))
    session.flush()
    return True


# ---- membership ------------------------------------------------------------

def _published_version_id(session: Session, course_id: int) -> int | None:
    """The enrolment's version column, when the catalogue keeps versions."""
    if "version_id" not in table_of(Enrolment).c:
        return None
    return session.scalar(select(CourseVersion.id).where(CourseVersion.course_id == course_id,
                                                         CourseVersion.status == "published"))


def _enrol_members(session: Session, assignment: Assignment, member_ids, now: datetime) -> None:
    """INSERT ... SELECT enrolments for the members (that have none)."""
    course = session.get(Course, assignment.course_id)
    if course is None or course.status != "published":
        return
    table = table_of(Enrolment)
    cols = [table.c.user_id, table.c.course_id, table.c.enrolled_at, table.c.source]
    values = [member_ids.c.user_id, literal(assignment.course_id), literal(now, table.c.enrolled_at.type),
              literal("assigned")]
    if "version_id" in table.c:
        version_id = _published_version_id(session, assignment.course_id)
        if version_id is None:
            return
        cols.append(table.c.version_id)
        values.append(literal(version_id))
    already = exists().where(table.c.user_id == member_ids.c.user_id, table.c.course_id == assignment.course_id)
    source = select(*values).select_from(member_ids).where(~already)
    session.execute(_insert(session, table).from_select([c.name for c in cols], source)
                    .on_conflict_do_nothing(index_elements=["user_id", "course_id"]))
    events.enrolments_added(session, user_ids=select(member_ids.c.user_id))  # report counters


def sync_assignments(session: Session, *, now: datetime, assignment_ids: Sequence[int] | None = None,
                     user_ids=None) -> int:
    """Make members match the rule for every active assignment (or those
    given), set-based: one DELETE and two INSERT ... SELECT per assignment,
    whatever the number of people. `user_ids` (a list or a SELECT) limits the
    work to those people. Returns the number of new members."""
    session.flush()
    stmt = select(Assignment).where(Assignment.cancelled_at.is_(None))
    if assignment_ids is not None:
        stmt = stmt.where(Assignment.id.in_(list(assignment_ids)))
    added = 0
    members = table_of(AssignmentMember)
    for assignment in session.scalars(stmt).all():
        unit = must_get(session, OrgUnit, assignment.org_unit_id)
        cats = assignment.category_names
        matching = (select(User.id.label("user_id"))
                    .join(OrgUnit, OrgUnit.id == User.org_unit_id)
                    .where(User.status == "active", User.staff_category.in_(cats),
                           path_startswith(OrgUnit.path, unit.path)))
        if assignment.profession is not None:
            matching = matching.where(User.profession == assignment.profession)
        if user_ids is not None:
            matching = matching.where(User.id.in_(user_ids))
        gone = delete(members).where(members.c.assignment_id == assignment.id,
                                     members.c.user_id.not_in(select(matching.subquery().c.user_id)))
        if user_ids is not None:
            gone = gone.where(members.c.user_id.in_(user_ids))
        session.execute(gone)
        fresh = matching.subquery()
        new = select(literal(assignment.id), fresh.c.user_id, literal(now, members.c.assigned_at.type)).where(
            ~exists().where(members.c.assignment_id == assignment.id, members.c.user_id == fresh.c.user_id))
        result = session.execute(
            _insert(session, members).from_select(["assignment_id", "user_id", "assigned_at"], new)
            .on_conflict_do_nothing(index_elements=["assignment_id", "user_id"]).returning(members.c.id))
        added += len(result.all())
        member_ids = select(members.c.user_id).where(members.c.assignment_id == assignment.id)
        if user_ids is not None:
            member_ids = member_ids.where(members.c.user_id.in_(user_ids))
        _enrol_members(session, assignment, member_ids.subquery(), now)
    session.expire_all()
    return added


def apply_assignments_to_user(session: Session, user_id: int, now: datetime) -> int:
    """Call after a person is created, imported, approved, moved, re-categorised,
    deactivated or reactivated. Returns the number of assignments added."""
    session.flush()
    user = session.get(User, user_id)
    if user is None:
        return 0
    members = table_of(AssignmentMember)
    active = select(Assignment.id).where(Assignment.cancelled_at.is_(None))
    unit = session.get(OrgUnit, user.org_unit_id) if user.org_unit_id is not None else None
    if user.status != "active" or unit is None:
        session.execute(delete(members).where(members.c.user_id == user_id, members.c.assignment_id.in_(active)))
        return 0
    ancestor_ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    matching = list(session.scalars(
        select(Assignment).where(Assignment.cancelled_at.is_(None), Assignment.org_unit_id.in_(ancestor_ids),
                                 Assignment.categories.any(AssignmentCategory.staff_category == user.staff_category),
                                 or_(Assignment.profession.is_(None), Assignment.profession == user.profession))))
    keep = [a.id for a in matching]
    session.execute(delete(members).where(members.c.user_id == user_id, members.c.assignment_id.in_(active),
                                          members.c.assignment_id.not_in(keep)))
    current = set(session.scalars(select(members.c.assignment_id).where(members.c.user_id == user_id)))
    added = 0
    for assignment in matching:
        if assignment.id in current:
            continue
        session.execute(_insert(session, members).values(assignment_id=assignment.id, user_id=user_id,
                                                         assigned_at=now)
                        .on_conflict_do_nothing(index_elements=["assignment_id", "user_id"]))
        added += 1
        course = must_get(session, Course, assignment.course_id)
        with contextlib.suppress(LearningError):  # the course was withdrawn since: nothing to enrol in
            enrol(session, user_id=user_id, course=course, now=now, source="assigned")
    session.flush()
    return added


# ---- reading ---------------------------------------------------------------

def assignments_in_scope(session: Session, scope: Scope, *, include_cancelled: bool = True) -> list[Assignment]:
    stmt = (select(Assignment).join(OrgUnit, OrgUnit.id == Assignment.org_unit_id).where(scope.unit_condition())
            .order_by(Assignment.cancelled_at.is_not(None), Assignment.due_on, Assignment.id))
    if not include_cancelled:
        stmt = stmt.where(Assignment.cancelled_at.is_(None))
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Progress:
    members: int
    not_started: int
    in_progress: int
    completed: int
    overdue: int

    @property
    def percent_completed(self) -> int:
        return round(100 * self.completed / self.members) if self.members else 0


def progress_by_assignment(session: Session, assignment_ids: Sequence[int], today: date) -> dict[int, Progress]:
    """Counts per assignment in ONE grouped query (SQL aggregates)."""
    if not assignment_ids:
        return {}
    m, a = AssignmentMember, Assignment
    done = CourseCompletion.id.is_not(None)
    started = and_(CourseCompletion.id.is_(None),
                   or_(Enrolment.last_lesson_id.is_not(None), Enrolment.quiz_passed_at.is_not(None)))
    one = literal(1)
    zero = literal(0)
    rows = session.execute(
        select(m.assignment_id, func.count(m.id),
               func.sum(case((done, one), else_=zero)),
               func.sum(case((started, one), else_=zero)),
               func.sum(case((and_(CourseCompletion.id.is_(None), a.due_on < today), one), else_=zero)))
        .join(a, a.id == m.assignment_id)
        .outerjoin(Enrolment, and_(Enrolment.user_id == m.user_id, Enrolment.course_id == a.course_id))
        .outerjoin(CourseCompletion, and_(CourseCompletion.user_id == m.user_id,
                                          CourseCompletion.course_id == a.course_id))
        .where(m.assignment_id.in_(list(assignment_ids)))
        .group_by(m.assignment_id)
    ).all()
    result = {aid: Progress(0, 0, 0, 0, 0) for aid in assignment_ids}
    for aid, total, completed, in_progress, overdue in rows:
        completed, in_progress, overdue = int(completed or 0), int(in_progress or 0), int(overdue or 0)
        result[aid] = Progress(total, total - completed - in_progress, in_progress, completed, overdue)
    return result


@dataclass(frozen=True)
class OverdueRow:
    user: User
    unit: OrgUnit | None
    started: bool


def overdue_members(session: Session, assignment: Assignment, today: date, *, limit: int = 500) -> tuple[list[OverdueRow], int]:
    """People of the assignment who have not completed it after its due date."""
    if assignment.due_on >= today:
        return [], 0
    m = AssignmentMember
    not_done = ~exists().where(CourseCompletion.user_id == m.user_id, CourseCompletion.course_id == assignment.course_id)
    base = select(User, OrgUnit, Enrolment.last_lesson_id).join(m, m.user_id == User.id) \
        .outerjoin(OrgUnit, OrgUnit.id == User.org_unit_id) \
        .outerjoin(Enrolment, and_(Enrolment.user_id == User.id, Enrolment.course_id == assignment.course_id)) \
        .where(m.assignment_id == assignment.id, not_done)
    total = session.scalar(select(func.count()).select_from(m).where(m.assignment_id == assignment.id, not_done))
    rows = session.execute(base.order_by(OrgUnit.path, User.username).limit(limit)).all()
    return [OverdueRow(u, unit, last is not None) for u, unit, last in rows], int(total or 0)


@dataclass(frozen=True)
class LearnerAssignment:
    assignment_id: int
    course: Course
    unit: OrgUnit
    due_on: date
    completed_at: datetime | None
    overdue: bool


def assignments_for_learner(session: Session, *, user_id: int, today: date) -> list[LearnerAssignment]:
    """What a learner was assigned (active assignments), soonest due first."""
    rows = session.execute(
        select(Assignment.id, Course, OrgUnit, Assignment.due_on, CourseCompletion.completed_at)
        .join(AssignmentMember, AssignmentMember.assignment_id == Assignment.id)
        .join(Course, Course.id == Assignment.course_id)
        .join(OrgUnit, OrgUnit.id == Assignment.org_unit_id)
        .outerjoin(CourseCompletion, and_(CourseCompletion.user_id == user_id,
                                          CourseCompletion.course_id == Assignment.course_id))
        .where(AssignmentMember.user_id == user_id, Assignment.cancelled_at.is_(None))
        .order_by(CourseCompletion.completed_at.is_not(None), Assignment.due_on, Course.code)
    ).all()
    return [LearnerAssignment(aid, course, unit, due, done, done is None and due < today)
            for aid, course, unit, due, done in rows]


# ---- reminders and the outbox ---------------------------------------------

@dataclass(frozen=True)
class DueReminder:
    assignment_id: int
    user_id: int
    kind: str
    email: str
    language: str
    full_name: str
    username: str
    course_code: str
    course_title: str
    unit_name: str
    due_on: date


def due_reminders(session: Session, *, today: date, due_soon_days: int = DUE_SOON_DAYS) -> list[DueReminder]:
    """Reminders that should exist and are not queued yet: "due_soon" from
    `due_soon_days` before the due date to the due date, "overdue" after it;
    only for active people with an e-mail who have not completed the course."""
    m, a = AssignmentMember, Assignment
    kind = case((a.due_on < today, literal("overdue")), else_=literal("due_soon"))
    not_done = ~exists().where(CourseCompletion.user_id == m.user_id, CourseCompletion.course_id == a.course_id)
    queued = exists().where(OutboxMessage.assignment_id == a.id, OutboxMessage.user_id == m.user_id,
                            OutboxMessage.kind == kind)
    rows = session.execute(
        select(a.id, m.user_id, kind, User.email, User.language, User.full_name, User.username,
               Course.code, Course.title, OrgUnit.name, a.due_on)
        .join(m, m.assignment_id == a.id).join(User, User.id == m.user_id)
        .join(Course, Course.id == a.course_id).join(OrgUnit, OrgUnit.id == a.org_unit_id)
        .where(a.cancelled_at.is_(None), User.status == "active", User.email != "", not_done,
               a.due_on <= today + timedelta(days=due_soon_days), ~queued)
        .order_by(a.id, m.user_id)
    ).all()
    return [DueReminder(*row) for row in rows]


def queue_messages(session: Session, messages: Iterable[dict], *, now: datetime) -> int:
    """Insert outbox rows (recipient, subject, body, kind, and assignment_id +
    user_id for assignment reminders or dedupe_key for any other kind); a row
    already queued under the same key is skipped. Returns how many were queued."""
    queued = 0
    table = table_of(OutboxMessage)
    for message in messages:
        if message["kind"] not in OUTBOX_KINDS:
            raise ValueError(f"unknown outbox kind {message['kind']!r}")
        if message.get("dedupe_key") is None and message.get("assignment_id") is None:
            raise ValueError("an outbox message needs an assignment_id or a dedupe_key, or it could be queued twice")
        row = {**message, "created_at": now, "attempts": 0, "last_error": ""}
        # No conflict target: a clash on either unique key skips the row.
        stmt = _insert(session, table).values(**row).on_conflict_do_nothing().returning(table.c.id)
        queued += len(session.execute(stmt).all())
    return queued


def claim_messages(session: Session, *, now: datetime, limit: int = 100,
                   kinds: Sequence[str] = EMAIL_KINDS) -> list[OutboxMessage]:
    """Claim up to `limit` unsent rows of the given kinds for this run. Two overlapping runs never
    claim the same row: the UPDATE re-checks "unclaimed" on each row (and
    PostgreSQL skips rows another run has locked). A claim older than
    CLAIM_TIMEOUT (a run that died) may be taken over. Commit right after."""
    token = secrets.token_hex(16)
    stale = now - CLAIM_TIMEOUT
    claimable = and_(OutboxMessage.sent_at.is_(None), OutboxMessage.kind.in_(kinds),
                     OutboxMessage.attempts < MAX_SEND_ATTEMPTS,
                     or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
                     or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < stale))
    candidates = select(OutboxMessage.id).where(claimable).order_by(OutboxMessage.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.scalars(candidates))
    if not ids:
        return []
    session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids), claimable)
                    .values(claim_token=token, claimed_at=now).execution_options(synchronize_session=False))
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.claim_token == token)
                                .order_by(OutboxMessage.id)))


def mark_sent(session: Session, message_id: int, *, now: datetime) -> None:
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                    .values(sent_at=now, attempts=OutboxMessage.attempts + 1, last_error="", claim_token=None)
                    .execution_options(synchronize_session=False))


def mark_failed(session: Session, message_id: int, *, now: datetime, error: str) -> None:
    """Release the claim; retry after a back-off (2, 4, 8 ... up to 120 minutes)."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        return
    attempts = row.attempts + 1
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                    .values(attempts=attempts, last_error=error[:500], claim_token=None, claimed_at=None,
                            next_attempt_at=now + timedelta(minutes=min(2 ** attempts, 120)))
                    .execution_options(synchronize_session=False))


def _follow_org_tree(session: Session, *, now: datetime) -> int:
    """Units were created or moved: members follow the new tree."""
    return sync_assignments(session, now=now)


events.org_tree_changed.connect(_follow_org_tree)
