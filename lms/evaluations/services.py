"""On-the-job tasks, manager evaluations, essay grading, the completion rules
that lms.learn leaves to this layer, and the queues of managers and trainers.

A manager acts within their unit's subtree (lms.orgs.scope); a trainer
within the subtree of the unit they are attached to. A learner outside the
scope is answered as if they did not exist (services.NotFound -> 404).

Completion: lms.learn asks events.completion_blockers once the lessons and
the quiz are satisfied; `blockers` answers from this package's tables and,
for sessions, from events.sessions_attended, which this module connects to
lms.classroom.services.attended_sessions (sessions marked present; while
nobody answers, a rule requiring sessions is never met)."""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, exists, func, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from lms import events
from lms.assignments.services import queue_messages
from lms.auth.models import User, UserRole
from lms.classroom.services import attended_sessions
from lms.courses.models import Course, CourseEvaluation, CourseTask, CourseVersion, Lesson, Question, Quiz
from lms.evaluations.models import EssayGrade, EvaluationRecord, TaskSubmission
from lms.learn import services as learn
from lms.learn.models import AttemptAnswer, CourseCompletion, Enrolment, LessonCompletion, QuizAttempt
from lms.media.services import MediaRefused, check_image
from lms.msgids import N_
from lms.orgs.scope import Scope, require_user_in_scope, staff_scope

MAX_REPORT_CHARS = 10_000
MAX_COMMENT_CHARS = 2_000
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
OVERDUE_AFTER = timedelta(days=7)
STAFF_ROLES = ("manager", "trainer", "admin")
ATTACHMENT_RE = re.compile(r"^[0-9a-f]{32}\.(png|jpg|gif|webp|pdf)$")
ATTACHMENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
                    "pdf": "application/pdf"}
# Active content a PDF reader could run: refused.
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia|OpenAction|AA)\b")


class NotFound(LookupError):
    """Nothing there, or not in the reader's scope: the pages answer 404 either way."""


class EvaluationError(Exception):
    """A refused action; str() is a translatable msgid, `params` its placeholders."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.params = params


# ---- scope -----------------------------------------------------------------------


def _learners_in(scope: Scope) -> ColumnElement[bool]:
    """A condition on User: the person's unit is in the scope."""
    if scope.everything:
        return true()
    return User.org_unit_id.in_(scope.unit_ids())


# ---- completion rules ------------------------------------------------------------

def _followed_version(session: Session, user_id: int, course_id: int) -> CourseVersion | None:
    return session.scalar(select(CourseVersion).join(Enrolment, Enrolment.version_id == CourseVersion.id)
                          .where(Enrolment.user_id == user_id, Enrolment.course_id == course_id))


def sessions_attended(session: Session, *, user_id: int, course_id: int) -> int | None:
    """Sessions attended, from the classroom package; None while nobody answers."""
    try:
        answers = events.sessions_attended(session, user_id=user_id, course_id=course_id)
    except events.NoSubscriber:
        return None
    return sum(int(a or 0) for a in answers)


def _tasks_missing(session: Session, user_id: int, course_id: int, version_id: int) -> int:
    done = exists().where(TaskSubmission.user_id == user_id, TaskSubmission.course_id == course_id,
                          TaskSubmission.task_slug == CourseTask.slug, TaskSubmission.status == "done")
    return session.scalar(select(func.count()).select_from(CourseTask)
                          .where(CourseTask.version_id == version_id, ~done)) or 0


def evaluation_passed(session: Session, *, user_id: int, course_id: int) -> bool:
    """Once a passed evaluation was recorded it counts, whatever came later."""
    return session.scalar(select(EvaluationRecord.id).where(
        EvaluationRecord.user_id == user_id, EvaluationRecord.course_id == course_id,
        EvaluationRecord.passed.is_(True)).limit(1)) is not None


def blockers(session: Session, *, user_id: int, course_id: int) -> list[str]:
    """What still keeps the learner from completing (events.completion_blockers)."""
    version = _followed_version(session, user_id, course_id)
    if version is None:
        return ["enrolment"]
    missing: list[str] = []
    if version.required_sessions > 0:
        attended = sessions_attended(session, user_id=user_id, course_id=course_id)
        if attended is None or attended < version.required_sessions:
            missing.append("sessions")
    if version.require_tasks and _tasks_missing(session, user_id, course_id, version.id):
        missing.append("tasks")
    if (version.require_evaluation and version.evaluation is not None
            and not evaluation_passed(session, user_id=user_id, course_id=course_id)):
        missing.append("evaluation")
    return missing


events.completion_blockers.connect(blockers)
# The classroom package (below this one) counts attendance; it answers through the hook.
events.sessions_attended.connect(attended_sessions)


# ---- attachments -----------------------------------------------------------------

def check_attachment(data: bytes, filename: str) -> tuple[str, str]:
    """(kind, content type) of an acceptable attachment: an image as media
    accepts it, or a plain PDF (no scripts, launches or embedded files)."""
    name = (filename or "").strip()
    if os.path.splitext(name)[1].lower() != ".pdf":
        checked = check_image(data, filename)
        return checked.kind, checked.content_type
    if "/" in name or "\\" in name or "\x00" in name or name.startswith(".") or ".." in name:
        raise MediaRefused(N_("The file name %(name)s is not allowed: use a plain name such as chart.png."),
                           name=name[:80])
    if not data:
        raise MediaRefused(N_("The file is empty."))
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise MediaRefused(N_("The attachment is larger than 5 MB; make it smaller and send it again."))
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise MediaRefused(N_("This file is not a PDF document, whatever its name says."))
    if _PDF_ACTIVE.search(data):
        raise MediaRefused(N_("The PDF contains scripts, actions or embedded files and is refused; print it again to PDF."))
    return "pdf", ATTACHMENT_TYPES["pdf"]


def attachment_folder_of(config: dict, instance_path: str) -> str:
    """TASK_FILES_FOLDER from the configuration, else task_files/ in the media folder
    (MEDIA_FOLDER, or instance/media): /media/<name> never serves a subfolder."""
    media = config.get("MEDIA_FOLDER") or os.path.join(instance_path, "media")
    return str(config.get("TASK_FILES_FOLDER") or os.path.join(media, "task_files"))


def attachment_path(folder: str | Path, name: str | None) -> Path | None:
    if not name or not ATTACHMENT_RE.fullmatch(name):
        return None
    return Path(folder) / name


_WRITTEN = "lms_task_files_written"


def _write_attachment(session: Session, folder: Path, name: str, data: bytes) -> None:
    """Written now; removed again unless the transaction commits (see _forget_written)."""
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
    with open(temp, "xb") as handle:
        handle.write(data)
    os.replace(temp, folder / name)
    session.info.setdefault(_WRITTEN, []).append(folder / name)


def _keep_written(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


def _remove_unclaimed(session: Session, transaction) -> None:
    if transaction.parent is None:
        for path in session.info.pop(_WRITTEN, ()):
            path.unlink(missing_ok=True)


def _listen() -> None:
    from sqlalchemy import event

    if not event.contains(Session, "after_commit", _keep_written):
        event.listen(Session, "after_commit", _keep_written)
        event.listen(Session, "after_transaction_end", _remove_unclaimed)


_listen()


# ---- tasks -----------------------------------------------------------------------

@dataclass(frozen=True)
class TaskView:
    task: CourseTask
    submissions: list[TaskSubmission]  # newest first

    @property
    def status(self) -> str:
        """todo | submitted | done | redo"""
        if any(s.status == "done" for s in self.submissions):
            return "done"
        return self.submissions[0].status if self.submissions else "todo"


def tasks_of(session: Session, *, user_id: int, course_id: int) -> list[TaskView]:
    """The tasks of the version the learner follows, with their reports."""
    version = _followed_version(session, user_id, course_id)
    if version is None:
        return []
    rows = list(session.scalars(select(TaskSubmission).where(
        TaskSubmission.user_id == user_id, TaskSubmission.course_id == course_id)
        .order_by(TaskSubmission.submitted_at.desc(), TaskSubmission.id.desc())))
    return [TaskView(t, [s for s in rows if s.task_slug == t.slug]) for t in version.tasks]


def submit_task(session: Session, *, user_id: int, course_id: int, slug: str, report: str,
                attachment: tuple[bytes, str] | None, folder: str | Path, now: datetime) -> TaskSubmission:
    """A new report (never overwriting an earlier one). Refused while one waits for
    its mark or once the task is done."""
    version = _followed_version(session, user_id, course_id)
    if version is None:
        raise learn.NotEnrolled(N_("Enrol in the course first."))
    task = next((t for t in version.tasks if t.slug == slug), None)
    if task is None:
        raise NotFound()
    report = (report or "").strip()
    if not report:
        raise EvaluationError(N_("Write a short report of what you did."))
    if len(report) > MAX_REPORT_CHARS:
        raise EvaluationError(N_("The report is longer than %(max)s characters."), max=MAX_REPORT_CHARS)
    states = set(session.scalars(select(TaskSubmission.status).where(
        TaskSubmission.user_id == user_id, TaskSubmission.course_id == course_id, TaskSubmission.task_slug == slug)))
    if "done" in states:
        raise EvaluationError(N_("This task is already marked done."))
    if "submitted" in states:
        raise EvaluationError(N_("Your report is waiting for its mark; you can send another one if it is returned."))
    row = TaskSubmission(user_id=user_id, course_id=course_id, task_id=task.id, task_slug=slug, report=report,
                         submitted_at=now, status="submitted", comment="", attachment_original="")
    data = None
    if attachment is not None and attachment[0]:
        data, filename = attachment
        kind, content_type = check_attachment(data, filename)
        row.attachment_name = f"{secrets.token_hex(16)}.{kind}"
        row.attachment_type = content_type
        row.attachment_size = len(data)
        row.attachment_original = os.path.basename(filename)[:200]
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # a parallel submission took the one waiting place
        raise EvaluationError(N_("Your report is waiting for its mark; you can send another one if it is returned.")) from None
    if data is not None and row.attachment_name:
        _write_attachment(session, Path(folder), row.attachment_name, data)
    return row


def submission_in_scope(session: Session, scope: Scope, submission_id: int) -> TaskSubmission:
    row = session.get(TaskSubmission, submission_id)
    if row is None:
        raise NotFound()
    require_user_in_scope(session, None, row.user_id, scope)
    return row


def can_see_attachment(session: Session, user, row: TaskSubmission) -> bool:
    if row.user_id == user.id:
        return True
    if not user.role_names & set(STAFF_ROLES):
        return False
    try:
        require_user_in_scope(session, None, row.user_id, staff_scope(session, user))
    except NotFound:
        return False
    return True


def mark_submission(session: Session, *, row: TaskSubmission, done: bool, comment: str, marker_id: int,
                    now: datetime, message: dict | None = None) -> bool:
    """Mark a waiting report done or to redo (once: a second marker is refused).
    Queues `message` (task_marked) for the learner. Returns True if this completed the course."""
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise EvaluationError(N_("The comment is longer than %(max)s characters."), max=MAX_COMMENT_CHARS)
    if not done and not comment:
        raise EvaluationError(N_("Say what to redo in the comment."))
    claimed = cast(CursorResult[Any], session.execute(
        update(TaskSubmission).where(TaskSubmission.id == row.id, TaskSubmission.status == "submitted")
        .values(status="done" if done else "redo", marked_at=now, marked_by_id=marker_id, comment=comment)
        .execution_options(synchronize_session=False))).rowcount
    if claimed != 1:
        raise EvaluationError(N_("This report has already been marked."))
    session.refresh(row)
    if message is not None:
        queue_messages(session, [{**message, "kind": "task_marked", "user_id": row.user_id,
                                  "dedupe_key": f"task_submission:{row.id}:marked"}], now=now)
    if done:
        return learn.complete_course_if_done(session, user_id=row.user_id, course_id=row.course_id, now=now)
    return False


# ---- manager evaluations ---------------------------------------------------------

def evaluation_of(session: Session, *, user_id: int, course_id: int) -> CourseEvaluation | None:
    version = _followed_version(session, user_id, course_id)
    return version.evaluation if version is not None else None


def evaluation_history(session: Session, *, user_id: int, course_id: int) -> list[EvaluationRecord]:
    return list(session.scalars(select(EvaluationRecord).where(
        EvaluationRecord.user_id == user_id, EvaluationRecord.course_id == course_id)
        .order_by(EvaluationRecord.recorded_at.desc(), EvaluationRecord.id.desc())))


def record_evaluation(session: Session, *, user_id: int, course_id: int, passed: bool, score: float | None,
                      comment: str, recorder_id: int, now: datetime) -> tuple[EvaluationRecord, bool]:
    """A new record (the latest counts; a pass once recorded keeps counting).
    Returns the record and whether it completed the course."""
    evaluation = evaluation_of(session, user_id=user_id, course_id=course_id)
    if evaluation is None:
        raise NotFound()
    if score is not None and (score < 0 or (evaluation.max_score is not None and score > evaluation.max_score)):
        raise EvaluationError(N_("The score must be between 0 and %(max)s."), max=evaluation.max_score or 0)
    if score is not None and evaluation.max_score is None:
        raise EvaluationError(N_("This evaluation has no score; leave it empty."))
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise EvaluationError(N_("The comment is longer than %(max)s characters."), max=MAX_COMMENT_CHARS)
    record = EvaluationRecord(user_id=user_id, course_id=course_id, evaluation_id=evaluation.id, passed=passed,
                              score=score, comment=comment, recorded_at=now, recorded_by_id=recorder_id)
    session.add(record)
    session.flush()
    completed = passed and learn.complete_course_if_done(session, user_id=user_id, course_id=course_id, now=now)
    return record, completed


# ---- essays ----------------------------------------------------------------------

@dataclass(frozen=True)
class EssayItem:
    answer: AttemptAnswer
    question: Question
    learner: User
    course: Course
    submitted_at: datetime


def essay_in_scope(session: Session, scope: Scope, answer_id: int) -> EssayItem:
    row = session.execute(_essays(scope).where(AttemptAnswer.id == answer_id)).first()
    if row is None:
        raise NotFound()
    return EssayItem(*row)


def grade_essay(session: Session, *, item: EssayItem, points: float, comment: str, grader_id: int,
                now: datetime) -> bool:
    """Grade an awaiting essay: its points and the grader's comment; the attempt
    is regraded (lms.learn). Returns True if this completed the course."""
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise EvaluationError(N_("The comment is longer than %(max)s characters."), max=MAX_COMMENT_CHARS)
    completed = learn.grade_awaiting_answer(session, answer_id=item.answer.id, points=points, now=now)
    session.add(EssayGrade(answer_id=item.answer.id, points=points, comment=comment, graded_at=now,
                           graded_by_id=grader_id))
    session.flush()
    return completed


def essay_grade_of(session: Session, answer_ids: Iterable[int]) -> dict[int, EssayGrade]:
    ids = list(answer_ids)
    if not ids:
        return {}
    return {g.answer_id: g for g in session.scalars(select(EssayGrade).where(EssayGrade.answer_id.in_(ids)))}


# ---- queues ----------------------------------------------------------------------

def _tasks_waiting(scope: Scope):
    return (select(TaskSubmission, User, Course, CourseTask.title)
            .join(User, User.id == TaskSubmission.user_id)
            .join(Course, Course.id == TaskSubmission.course_id)
            .outerjoin(CourseTask, CourseTask.id == TaskSubmission.task_id)
            .where(TaskSubmission.status == "submitted", _learners_in(scope)))


def _essays(scope: Scope):
    return (select(AttemptAnswer, Question, User, Course, QuizAttempt.submitted_at)
            .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
            .join(Question, Question.id == AttemptAnswer.question_id)
            .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
            .join(Course, Course.id == Quiz.course_id)
            .join(User, User.id == QuizAttempt.user_id)
            .where(AttemptAnswer.state == "awaiting_grading", _learners_in(scope)))


def _evaluations_waiting(scope: Scope):
    """Enrolled learners whose followed version has a required manager evaluation
    not passed yet, with every lesson, the quiz and every task satisfied as the
    rules require (sessions are judged afterwards, by `blockers`). Waiting since:
    when the quiz was passed, else the enrolment."""
    version = aliased(CourseVersion)
    lessons_total = select(func.count()).select_from(Lesson).where(Lesson.version_id == version.id).scalar_subquery()
    lessons_done = (select(func.count()).select_from(LessonCompletion)
                    .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
                    .where(Lesson.version_id == version.id, LessonCompletion.user_id == Enrolment.user_id)
                    .scalar_subquery())
    has_quiz = exists().where(Quiz.version_id == version.id)
    task_missing = exists().where(CourseTask.version_id == version.id, ~exists().where(
        TaskSubmission.user_id == Enrolment.user_id, TaskSubmission.course_id == Enrolment.course_id,
        TaskSubmission.task_slug == CourseTask.slug, TaskSubmission.status == "done"))
    passed = exists().where(EvaluationRecord.user_id == Enrolment.user_id,
                            EvaluationRecord.course_id == Enrolment.course_id, EvaluationRecord.passed.is_(True))
    completed = exists().where(CourseCompletion.user_id == Enrolment.user_id,
                               CourseCompletion.course_id == Enrolment.course_id)
    since = func.coalesce(Enrolment.quiz_passed_at, Enrolment.enrolled_at)
    return (select(Enrolment, User, Course, CourseEvaluation, version.required_sessions, since.label("since"))
            .join(version, version.id == Enrolment.version_id)
            .join(CourseEvaluation, CourseEvaluation.version_id == version.id)
            .join(User, User.id == Enrolment.user_id)
            .join(Course, Course.id == Enrolment.course_id)
            .where(version.require_evaluation, ~passed, ~completed, _learners_in(scope),
                   ~version.require_lessons | (lessons_done >= lessons_total),
                   ~version.require_quiz | ~has_quiz | Enrolment.quiz_passed_at.is_not(None),
                   ~version.require_tasks | ~task_missing))


@dataclass
class Queue:
    tasks: list[Any]
    evaluations: list[Any]
    essays: list[Any]


QUEUE_LIMIT = 200


def queue(session: Session, scope: Scope) -> Queue:
    """What waits for the reader, oldest first (at most QUEUE_LIMIT of each)."""
    if scope.empty:
        return Queue([], [], [])
    tasks = list(session.execute(_tasks_waiting(scope).order_by(TaskSubmission.submitted_at, TaskSubmission.id)
                                 .limit(QUEUE_LIMIT)))
    essays = list(session.execute(_essays(scope).order_by(QuizAttempt.submitted_at, AttemptAnswer.id)
                                  .limit(QUEUE_LIMIT)))
    evaluations = [row for row in session.execute(_evaluations_waiting(scope).order_by("since").limit(QUEUE_LIMIT))
                   if not row.required_sessions
                   or "sessions" not in blockers(session, user_id=row.Enrolment.user_id, course_id=row.Course.id)]
    return Queue(tasks, evaluations, essays)


@dataclass(frozen=True)
class QueueCounts:
    tasks: int = 0
    evaluations: int = 0
    essays: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.tasks + self.evaluations + self.essays


def queue_counts(session: Session, scope: Scope, *, now: datetime) -> QueueCounts:
    """Counts in SQL (evaluations counted before the sessions rule is judged)."""
    if scope.empty:
        return QueueCounts()
    cutoff = now - OVERDUE_AFTER
    tasks = _tasks_waiting(scope).subquery()
    essays = _essays(scope).subquery()
    evaluations = _evaluations_waiting(scope).subquery()
    n_tasks, old_tasks = session.execute(select(func.count(), func.count().filter(tasks.c.submitted_at < cutoff))
                                         .select_from(tasks)).one()
    n_essays, old_essays = session.execute(select(func.count(), func.count().filter(essays.c.submitted_at < cutoff))
                                           .select_from(essays)).one()
    n_evals, old_evals = session.execute(select(func.count(), func.count().filter(evaluations.c.since < cutoff))
                                         .select_from(evaluations)).one()
    return QueueCounts(n_tasks, n_evals, n_essays, old_tasks + old_essays + old_evals)


def staff_waiting(session: Session, *, now: datetime) -> list[tuple[User, QueueCounts]]:
    """Managers and trainers (active, with an e-mail) with items waiting longer than OVERDUE_AFTER."""
    staff = session.scalars(select(User).where(
        User.email != "", User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(("manager", "trainer")))))
        .order_by(User.id))
    found = []
    for user in staff:
        if not getattr(user, "is_active", True):
            continue
        counts = queue_counts(session, staff_scope(session, user), now=now)
        if counts.overdue:
            found.append((user, counts))
    return found


def reminder_key(user_id: int, now: datetime) -> str:
    year, week, _day = now.isocalendar()
    return f"queue:{user_id}:{year}-W{week:02d}"


def queue_reminders(session: Session, messages: Iterable[dict], *, now: datetime) -> int:
    """Queue one queue_reminder per manager and ISO week (`messages` carry recipient, subject, body, user_id)."""
    return queue_messages(session, [{**m, "kind": "queue_reminder", "dedupe_key": reminder_key(m["user_id"], now)}
                                    for m in messages], now=now)

