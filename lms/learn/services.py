"""The learner's journey: enrolment, lesson completion, quiz attempts and
course completion. Completion is recorded once and never regresses."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Integer, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from lms import events
from lms.courses.models import Course, CourseAudience, CourseVersion, Lesson, Question, QuestionOption, Quiz
from lms.courses.services import WITH_TAGS
from lms.db import table_of
from lms.dbutil import insert_ignoring_duplicates
from lms.learn.models import AttemptAnswer, CourseCompletion, Enrolment, LessonCompletion, QuizAttempt
from lms.msgids import N_

# Submissions arriving this long after the deadline still count (network lag).
DEADLINE_GRACE = timedelta(seconds=30)


class LearningError(Exception):
    """A refused learner action; the message is a translatable msgid."""


class NotEnrolled(LearningError):
    pass


class NoAttemptsLeft(LearningError):
    pass


class AttemptClosed(LearningError):
    """The attempt was already submitted (a replay) or is not this learner's."""


class InvalidAnswers(LearningError):
    pass


# ---- enrolment -------------------------------------------------------------

def enrol(session: Session, *, user_id: int, course: Course, now: datetime, source: str = "self") -> Enrolment:
    """Enrol (idempotent) in the live version: returns the learner's enrolment
    in the course (an existing enrolment keeps its version)."""
    live = _live_version(session, course.id) if course.status == "published" else None
    if live is None:
        raise LearningError(N_("This course is not open for enrolment."))
    insert_ignoring_duplicates(
        session, Enrolment,
        {"user_id": user_id, "course_id": course.id, "version_id": live.id, "enrolled_at": now, "source": source},
        unique=["user_id", "course_id"],
    )
    events.user_changed(session, user_id=user_id)  # report counters: enrolled learners
    return _require_enrolment(session, user_id, course.id)


def _live_version(session: Session, course_id: int) -> CourseVersion | None:
    return session.scalar(select(CourseVersion).where(CourseVersion.course_id == course_id,
                                                      CourseVersion.status == "published"))


def get_enrolment(session: Session, *, user_id: int, course_id: int) -> Enrolment | None:
    return session.scalar(select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id))


def _require_enrolment(session: Session, user_id: int, course_id: int) -> Enrolment:
    enrolment = get_enrolment(session, user_id=user_id, course_id=course_id)
    if enrolment is None:
        raise NotEnrolled(N_("Enrol in the course first."))
    return enrolment


def learning_version(session: Session, *, user_id: int | None, course: Course) -> CourseVersion | None:
    """The version a person sees: the one they are enrolled in, else the live one."""
    if user_id is not None:
        enrolment = get_enrolment(session, user_id=user_id, course_id=course.id)
        if enrolment is not None:
            return session.get(CourseVersion, enrolment.version_id)
    return _live_version(session, course.id)


def newer_version(session: Session, enrolment: Enrolment) -> CourseVersion | None:
    """The live version, when it is newer than the one the learner follows."""
    live = _live_version(session, enrolment.course_id)
    if live is None or live.id == enrolment.version_id:
        return None
    current = session.get(CourseVersion, enrolment.version_id)
    return live if current is None or live.number > current.number else None


def _quiz_fingerprint(quiz: Quiz | None):
    if quiz is None:
        return None
    return (quiz.pass_mark, tuple((q.kind, q.text_md, q.points, tuple((o.text_md, o.is_correct) for o in q.options))
                                  for q in quiz.questions))


def move_to_latest_version(session: Session, *, user_id: int, course: Course, now: datetime) -> Enrolment:
    """Move a learner to the live version of a course they follow.

    Lesson completions are rows that reference a version's lesson, so progress
    always counts against the version followed and older versions keep their
    history; moving copies the completions of lessons whose slug still exists
    (with their original time). A quiz pass carries over only when the quiz is
    unchanged (same questions, answers and pass mark). Completion is checked
    again; a recorded course completion is never removed."""
    enrolment = _require_enrolment(session, user_id, course.id)
    live = newer_version(session, enrolment)
    if live is None:
        raise LearningError(N_("You already follow the latest version of this course."))
    old = session.get(CourseVersion, enrolment.version_id)
    assert old is not None  # enrolments.version_id is a foreign key
    done = session.execute(
        select(Lesson.slug, LessonCompletion.completed_at).join(LessonCompletion, LessonCompletion.lesson_id == Lesson.id)
        .where(LessonCompletion.user_id == user_id, Lesson.version_id == old.id)
    ).all()
    new_lessons = {lesson.slug: lesson for lesson in live.lessons}
    for slug, completed_at in done:
        if slug in new_lessons:
            insert_ignoring_duplicates(session, LessonCompletion,
                                       {"user_id": user_id, "lesson_id": new_lessons[slug].id, "completed_at": completed_at},
                                       unique=["user_id", "lesson_id"])
    last = session.get(Lesson, enrolment.last_lesson_id) if enrolment.last_lesson_id else None
    enrolment.last_lesson_id = new_lessons[last.slug].id if last is not None and last.slug in new_lessons else None
    if enrolment.quiz_passed_at is not None and _quiz_fingerprint(old.quiz) != _quiz_fingerprint(live.quiz):
        enrolment.quiz_passed_at = None
    enrolment.version_id = live.id
    session.flush()
    complete_course_if_done(session, user_id=user_id, course_id=course.id, now=now)
    return enrolment


# ---- lessons ---------------------------------------------------------------

def complete_lesson(session: Session, *, user_id: int, lesson: Lesson, now: datetime) -> bool:
    """Mark a lesson done (harmless twice). Returns True if this completed the course."""
    enrolment = _require_enrolment(session, user_id, lesson.course_id)
    if enrolment.version_id != lesson.version_id:
        raise NotEnrolled(N_("This lesson belongs to another version of the course than the one you follow."))
    return record_lesson_done(session, enrolment=enrolment, lesson_id=lesson.id, now=now)


def record_lesson_done(session: Session, *, enrolment: Enrolment, lesson_id: int, now: datetime) -> bool:
    """complete_lesson for a caller that already holds the enrolment and knows the
    lesson belongs to its version (the lesson page's hot path)."""
    insert_ignoring_duplicates(session, LessonCompletion,
                               {"user_id": enrolment.user_id, "lesson_id": lesson_id, "completed_at": now},
                               unique=["user_id", "lesson_id"])
    if enrolment.last_lesson_id != lesson_id:
        enrolment.last_lesson_id = lesson_id
    return complete_course_if_done(session, user_id=enrolment.user_id, course_id=enrolment.course_id, now=now,
                                   enrolment=enrolment)


def _followed_version_id(session: Session, user_id: int, course_id: int) -> int | None:
    enrolment = get_enrolment(session, user_id=user_id, course_id=course_id)
    if enrolment is not None:
        return enrolment.version_id
    live = _live_version(session, course_id)
    return live.id if live is not None else None


def completed_lesson_ids(session: Session, *, user_id: int, course_id: int) -> set[int]:
    """Lessons done, of the version the learner follows."""
    version_id = _followed_version_id(session, user_id, course_id)
    return set(session.scalars(
        select(LessonCompletion.lesson_id).join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .where(LessonCompletion.user_id == user_id, Lesson.version_id == version_id)
    ))


@dataclass(frozen=True)
class Progress:
    lessons_done: int
    lessons_total: int
    quiz_passed: bool
    has_quiz: bool
    completed_at: datetime | None
    score: float | None

    @property
    def percent(self) -> int:
        steps = self.lessons_total + (1 if self.has_quiz else 0)
        done = self.lessons_done + (1 if self.has_quiz and self.quiz_passed else 0)
        return 100 if self.completed_at else (round(100 * done / steps) if steps else 0)


def course_progress(session: Session, *, user_id: int, course_id: int,
                    enrolment: Enrolment | None = None) -> Progress:
    """Progress against the version the learner follows."""
    if enrolment is None:
        enrolment = get_enrolment(session, user_id=user_id, course_id=course_id)
    version_id = enrolment.version_id if enrolment is not None else _followed_version_id(session, user_id, course_id)
    return progress_with_lesson(session, user_id=user_id, course_id=course_id, version_id=version_id,
                                quiz_passed=bool(enrolment and enrolment.quiz_passed_at))[0]


def _progress_statement():
    user, course, version, lesson = (bindparam(n, type_=Integer) for n in ("user_id", "course_id", "version_id", "lesson_id"))
    total = select(func.count()).select_from(Lesson).where(Lesson.version_id == version).scalar_subquery()
    done = (select(func.count()).select_from(LessonCompletion).join(Lesson, Lesson.id == LessonCompletion.lesson_id)
            .where(LessonCompletion.user_id == user, Lesson.version_id == version).scalar_subquery())
    quiz = select(Quiz.id).where(Quiz.version_id == version).limit(1).scalar_subquery()
    mine = (CourseCompletion.user_id == user) & (CourseCompletion.course_id == course)
    completed_at = select(CourseCompletion.completed_at).where(mine).scalar_subquery()
    score = select(CourseCompletion.score).where(mine).scalar_subquery()
    this_done = select(LessonCompletion.id).where(LessonCompletion.user_id == user,
                                                  LessonCompletion.lesson_id == lesson).exists()
    return select(total, done, quiz, completed_at, score, this_done)


# Built once: every lesson page and completion runs it.
_PROGRESS = _progress_statement()


def progress_with_lesson(session: Session, *, user_id: int, course_id: int, version_id: int | None,
                         quiz_passed: bool, lesson_id: int | None = None) -> tuple[Progress, bool]:
    """Progress, and whether `lesson_id` is done, in ONE statement."""
    total_n, done_n, quiz_id, completed, best, is_done = session.execute(
        _PROGRESS, {"user_id": user_id, "course_id": course_id, "version_id": version_id,
                    "lesson_id": lesson_id or 0}).one()
    return Progress(done_n, total_n, quiz_passed, quiz_id is not None, completed, best), bool(is_done)


def complete_course_if_done(session: Session, *, user_id: int, course_id: int, now: datetime,
                            enrolment: Enrolment | None = None) -> bool:
    """Record the course completion when every lesson is done and the quiz (if
    any) is passed. Returns True only when this call recorded it."""
    session.flush()  # the counts below must see this transaction's own writes
    progress = course_progress(session, user_id=user_id, course_id=course_id, enrolment=enrolment)
    if progress.completed_at or progress.lessons_done < progress.lessons_total:
        return False
    if progress.has_quiz and not progress.quiz_passed:
        return False
    recorded = insert_ignoring_duplicates(
        session, CourseCompletion,
        {"user_id": user_id, "course_id": course_id, "completed_at": now,
         "score": best_score(session, user_id=user_id, course_id=course_id)},
        unique=["user_id", "course_id"],
    )
    if recorded:
        events.course_completed(session, user_id=user_id, course_id=course_id)  # same transaction
    return recorded


# ---- quizzes ---------------------------------------------------------------

def best_score(session: Session, *, user_id: int, course_id: int) -> float | None:
    return session.scalar(
        select(func.max(QuizAttempt.score)).join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(QuizAttempt.user_id == user_id, Quiz.course_id == course_id, QuizAttempt.submitted_at.is_not(None))
    )


def attempts_of(session: Session, *, user_id: int, quiz_id: int) -> list[QuizAttempt]:
    return list(session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz_id).order_by(QuizAttempt.number)
    ))


def attempts_left(quiz: Quiz, attempts: list[QuizAttempt]) -> int | None:
    """None means unlimited."""
    if not quiz.attempts_allowed:
        return None
    return max(0, quiz.attempts_allowed - len(attempts))


def open_attempt(attempts: list[QuizAttempt], now: datetime) -> QuizAttempt | None:
    for attempt in attempts:
        if attempt.submitted_at is None and (attempt.deadline_at is None or now <= attempt.deadline_at + DEADLINE_GRACE):
            return attempt
    return None


def start_attempt(session: Session, *, user_id: int, quiz: Quiz, now: datetime, rng: random.Random | None = None) -> QuizAttempt:
    """Return the learner's open attempt, or start a new one if attempts remain.

    Two parallel starts compute the same attempt number; the unique
    constraint lets exactly one of them in."""
    enrolment = _require_enrolment(session, user_id, quiz.course_id)
    if enrolment.version_id != quiz.version_id:
        raise NotEnrolled(N_("This quiz belongs to another version of the course than the one you follow."))
    attempts = attempts_of(session, user_id=user_id, quiz_id=quiz.id)
    current = open_attempt(attempts, now)
    if current is not None:
        return current
    # Grade attempts left open past their deadline first, so none stays "in
    # progress" forever (callers commit this even when no attempt is left).
    _close_expired(session, attempts, now)
    left = attempts_left(quiz, attempts)
    if left == 0:
        raise NoAttemptsLeft(N_("You have used all your attempts at this quiz."))
    attempt = QuizAttempt(
        user_id=user_id, quiz_id=quiz.id, number=(attempts[-1].number + 1) if attempts else 1, started_at=now,
        deadline_at=now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None,
        layout=draw_layout(quiz, rng or random.SystemRandom()),
    )
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:
        raise NoAttemptsLeft(N_("Another attempt was started at the same moment; reload the quiz.")) from None
    return attempt


def _close_expired(session: Session, attempts: list[QuizAttempt], now: datetime) -> None:
    """Attempts left open past their deadline are graded with no answers."""
    for attempt in attempts:
        if attempt.submitted_at is None:
            pass_mark = session.scalar(select(Quiz.pass_mark).where(Quiz.id == attempt.quiz_id)) or 0
            _record_grade(session, attempt, answer_key(session, attempt.quiz_id), pass_mark, {}, now)


def draw_layout(quiz: Quiz, rng: random.Random) -> list:
    questions = list(quiz.questions)
    if quiz.questions_per_attempt and quiz.questions_per_attempt < len(questions):
        questions = sorted(rng.sample(questions, quiz.questions_per_attempt), key=lambda q: q.position)
    if quiz.shuffle_questions:
        rng.shuffle(questions)
    layout = []
    for question in questions:
        option_ids = [o.id for o in question.options]
        if quiz.shuffle_options and question.kind != "true_false":
            rng.shuffle(option_ids)
        layout.append([question.id, option_ids])
    return layout


def get_attempt(session: Session, *, attempt_id: int, user_id: int) -> QuizAttempt | None:
    """An attempt, only if it is this learner's (ids in URLs reveal nothing)."""
    return session.scalar(select(QuizAttempt).where(QuizAttempt.id == attempt_id, QuizAttempt.user_id == user_id)
                          .options(lazyload(QuizAttempt.answers)))


@dataclass
class GradedAttempt:
    attempt: QuizAttempt
    completed_course: bool
    late: bool = False
    messages: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class QuestionKey:
    """What grading needs of a question: never sent to the browser."""
    kind: str
    points: int
    correct: frozenset[int]


_ANSWER_KEY = (select(Question.id, Question.kind, Question.points, QuestionOption.id, QuestionOption.is_correct)
               .join(QuestionOption, QuestionOption.question_id == Question.id)
               .where(Question.quiz_id == bindparam("quiz_id")))


def answer_key(session: Session, quiz_id: int) -> dict[int, QuestionKey]:
    """The answer key of a quiz, in one query."""
    kinds: dict[int, tuple[str, int]] = {}
    correct: dict[int, set[int]] = {}
    for question_id, kind, points, option_id, is_correct in session.execute(_ANSWER_KEY, {"quiz_id": quiz_id}):
        kinds[question_id] = (kind, points)
        bucket = correct.setdefault(question_id, set())
        if is_correct:
            bucket.add(option_id)
    return {qid: QuestionKey(kind, points, frozenset(correct[qid])) for qid, (kind, points) in kinds.items()}


def parse_answers(attempt: QuizAttempt, key: dict[int, QuestionKey], raw: dict[int, list[str]]) -> dict[int, set[int]]:
    """Turn submitted form values into option ids, refusing anything that is not
    an option of a question of this attempt."""
    allowed = {qid: set(opts) for qid, opts in attempt.layout}
    answers: dict[int, set[int]] = {}
    for qid, values in raw.items():
        if qid not in allowed:
            raise InvalidAnswers(N_("The answers do not match this attempt; reload the quiz."))
        try:
            chosen = {int(v) for v in values}
        except (TypeError, ValueError):
            raise InvalidAnswers(N_("The answers do not match this attempt; reload the quiz.")) from None
        if not chosen <= allowed[qid]:
            raise InvalidAnswers(N_("The answers do not match this attempt; reload the quiz."))
        if qid not in key:  # removed by an update of the course since the attempt began: not graded
            continue
        if key[qid].kind != "multiple" and len(chosen) > 1:
            raise InvalidAnswers(N_("Choose only one answer for a single-choice question."))
        answers[qid] = chosen
    return answers


def submit_attempt(session: Session, *, user_id: int, attempt_id: int, raw_answers: dict[int, list[str]],
                   now: datetime, attempt: QuizAttempt | None = None) -> GradedAttempt:
    """Grade on the server. Anything the client claims beyond its choices is
    ignored; unanswered counts as wrong; a replay is refused and changes nothing.
    `attempt` spares a second lookup when the caller has already loaded it."""
    if attempt is None or attempt.id != attempt_id or attempt.user_id != user_id:
        attempt = get_attempt(session, attempt_id=attempt_id, user_id=user_id)
    if attempt is None or attempt.submitted_at is not None:
        raise AttemptClosed(N_("This attempt has already been submitted."))
    pass_mark, course_id, version_id = session.execute(
        select(Quiz.pass_mark, Quiz.course_id, Quiz.version_id).where(Quiz.id == attempt.quiz_id)).one()
    key = answer_key(session, attempt.quiz_id)
    late = attempt.deadline_at is not None and now > attempt.deadline_at + DEADLINE_GRACE
    answers = {} if late else parse_answers(attempt, key, raw_answers)
    if not _record_grade(session, attempt, key, pass_mark, answers, now):
        raise AttemptClosed(N_("This attempt has already been submitted."))
    completed = False
    if attempt.passed:
        enrolment = _require_enrolment(session, user_id, course_id)
        # An attempt begun before the learner moved to a newer version is
        # graded, but passes only the quiz of the version they now follow.
        if enrolment.quiz_passed_at is None and enrolment.version_id == version_id:
            enrolment.quiz_passed_at = now
        completed = complete_course_if_done(session, user_id=user_id, course_id=course_id, now=now,
                                            enrolment=enrolment)
    if not completed:
        # Already completed: the recorded score is the best one, it only ever rises.
        session.execute(
            update(CourseCompletion)
            .where(CourseCompletion.user_id == user_id, CourseCompletion.course_id == course_id,
                   (CourseCompletion.score.is_(None)) | (CourseCompletion.score < attempt.score))
            .values(score=attempt.score).execution_options(synchronize_session="fetch")
        )
    return GradedAttempt(attempt, completed_course=completed, late=late)


def _record_grade(session: Session, attempt: QuizAttempt, key: dict[int, QuestionKey], pass_mark: int,
                  answers: dict[int, set[int]], now: datetime) -> bool:
    """Grade and close the attempt in one UPDATE that only an open attempt
    matches: of parallel submissions exactly one gets True. The answers go in
    with one multi-row INSERT."""
    rows = []
    earned = possible = 0
    for qid, _order in attempt.layout:
        question = key.get(qid)
        if question is None:  # removed by a later edit of the course
            continue
        chosen = answers.get(qid, set())
        right = bool(chosen) and chosen == question.correct
        possible += question.points
        earned += question.points if right else 0
        rows.append({"attempt_id": attempt.id, "question_id": qid, "selected_option_ids": sorted(chosen),
                     "is_correct": right, "points": question.points if right else 0})
    score = round(100 * earned / possible, 2) if possible else 0.0
    values = {"submitted_at": now, "points_earned": earned, "points_possible": possible, "score": score,
              "passed": score >= pass_mark}
    claimed = cast(CursorResult[Any], session.execute(
        update(QuizAttempt).where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(**values).execution_options(synchronize_session=False)
    )).rowcount
    if claimed != 1:
        return False
    if rows:
        session.execute(insert(table_of(AttemptAnswer)), rows)
    for name, value in values.items():  # the object now says what the row says
        set_committed_value(attempt, name, value)
    return True


# ---- my learning -----------------------------------------------------------

@dataclass(frozen=True)
class LearningRow:
    course: Course
    enrolment: Enrolment
    progress: Progress
    newer: CourseVersion | None = None  # a newer live version the learner may move to


def my_learning(session: Session, *, user_id: int) -> list[LearningRow]:
    enrolments = session.scalars(select(Enrolment).where(Enrolment.user_id == user_id).order_by(Enrolment.enrolled_at.desc()))
    return [LearningRow(e.course, e, course_progress(session, user_id=user_id, course_id=e.course_id),
                        newer_version(session, e)) for e in enrolments]


def suggestions(session: Session, *, user_id: int, staff_category: str, limit: int = 6) -> list[Course]:
    """Published courses meant for the learner's category that they have not taken."""
    enrolled = select(Enrolment.course_id).where(Enrolment.user_id == user_id)
    for_category = Course.audiences.any(CourseAudience.staff_category == staff_category)
    stmt = (select(Course).where(Course.status == "published", Course.id.not_in(enrolled),
                                 for_category | ~Course.audiences.any())
            .order_by(for_category.desc(), Course.target_level, Course.code).limit(limit))
    return list(session.scalars(stmt.options(*WITH_TAGS)))


# Built once: the lesson page runs it on every view.
_FOLLOWED = (select(Course, Enrolment, CourseVersion.published_at)
             .outerjoin(Enrolment, (Enrolment.course_id == Course.id) & (Enrolment.user_id == bindparam("user_id")))
             .outerjoin(CourseVersion, CourseVersion.id == Enrolment.version_id)
             .where(Course.code == bindparam("code")))


def followed_course(session: Session, *, code: str, user_id: int):
    """(course, the learner's enrolment or None, the followed version's published_at), or None."""
    return session.execute(_FOLLOWED, {"code": code, "user_id": user_id}).first()


def completions_of(session: Session, *, user_id: int) -> list[tuple[CourseCompletion, Course]]:
    """The learner's course completions with their courses, newest first."""
    return [(done, course) for done, course in session.execute(
        select(CourseCompletion, Course).join(Course, Course.id == CourseCompletion.course_id)
        .where(CourseCompletion.user_id == user_id).order_by(CourseCompletion.completed_at.desc(), Course.code))]
