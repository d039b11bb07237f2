"""The learner's journey: enrolment, lesson completion, quiz attempts and
course completion. Completion is recorded once and never regresses."""
from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, Integer, bindparam, case, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from content.grading import (
    MAX_NUMBER_CHARS,
    MAX_TEXT_ANSWER_CHARS,
    AnswerKey,
    Grade,
    QuestionKey,
    grade_choice,
    grade_essay,
    grade_matching,
    grade_numerical,
    grade_short_answer,
    parse_number,
)
from content.spec import CHOICE_KINDS, DEFAULT_ESSAY_CHARS
from lms import events
from lms.courses.models import (
    Course,
    CourseAudience,
    CourseEvaluation,
    CourseTask,
    CourseVersion,
    Lesson,
    Question,
    QuestionOption,
    Quiz,
)
from lms.courses.services import WITH_TAGS
from lms.db import table_of
from lms.dbutil import insert_ignoring_duplicates
from lms.learn.models import AttemptAnswer, CourseCompletion, Enrolment, LessonCompletion, QuizAttempt
from lms.msgids import N_

if TYPE_CHECKING:
    from lms.learn.content_cache import ContentCache

# Submissions arriving this long after the deadline still count (network lag).
DEADLINE_GRACE = timedelta(seconds=30)
# A quiz submission may be larger than an ordinary request: essays of up to
# 20,000 characters each (a Chinese character takes 9 bytes percent-encoded).
MAX_SUBMISSION_BYTES = 1024 * 1024


class LearningError(Exception):
    """A refused learner action; str() is a translatable msgid, `params` its placeholders."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.params = params

    @property
    def text(self) -> str:
        """The message in English with its placeholders filled (the API's wording)."""
        return str(self) % self.params if self.params else str(self)


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


# Built once (every lesson completion and quiz submission runs it): no statement
# to construct, and SQLAlchemy reuses its compiled form.
_ENROLMENT = select(Enrolment).where(Enrolment.user_id == bindparam("user_id"),
                                     Enrolment.course_id == bindparam("course_id"))


def get_enrolment(session: Session, *, user_id: int, course_id: int) -> Enrolment | None:
    return session.scalar(_ENROLMENT, {"user_id": user_id, "course_id": course_id})


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
    """What a pass depends on: the pass mark and every question's grading."""
    if quiz is None:
        return None
    return (quiz.pass_mark, tuple(
        (q.kind, q.text_md, q.points, tuple(map(tuple, q.units or ())), q.max_chars,
         tuple((o.text_md, o.is_correct, o.weight, o.min_value, o.max_value, o.match_text) for o in q.options))
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
    if old is None:  # enrolments.version_id is a foreign key
        raise LookupError(f"version {enrolment.version_id} does not exist")
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
    if insert_ignoring_duplicates(session, LessonCompletion,
                                  {"user_id": enrolment.user_id, "lesson_id": lesson_id, "completed_at": now},
                                  unique=["user_id", "lesson_id"]):
        events.lesson_completed(session, user_id=enrolment.user_id, lesson_id=lesson_id,
                                course_id=enrolment.course_id, now=now)  # xAPI statement, same transaction
    if enrolment.last_lesson_id != lesson_id:
        _set_enrolment(session, enrolment, "last_lesson_id", lesson_id)
    return complete_course_if_done(session, user_id=enrolment.user_id, course_id=enrolment.course_id, now=now,
                                   enrolment=enrolment)


# One column of an enrolment, by a statement built once per column instead of a
# unit-of-work flush (the lesson completion's and quiz submission's hot path).
_SET_ENROLMENT = {name: update(Enrolment).where(Enrolment.id == bindparam("b_id"))
                  .values({name: bindparam("b_value")}).execution_options(synchronize_session=False)
                  for name in ("last_lesson_id", "quiz_passed_at")}


def _set_enrolment(session: Session, enrolment: Enrolment, name: str, value: object) -> None:
    session.execute(_SET_ENROLMENT[name], {"b_id": enrolment.id, "b_value": value})
    set_committed_value(enrolment, name, value)  # the object says what the row says


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
    # The version's completion rules (content.spec.CompletionSpec); `more_required`:
    # it also requires sessions, tasks or an evaluation, which lms.evaluations judges.
    require_lessons: bool = True
    require_quiz: bool = True
    more_required: bool = False

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
    has_tasks = select(CourseTask.id).where(CourseTask.version_id == version).exists()
    has_evaluation = select(CourseEvaluation.id).where(CourseEvaluation.version_id == version).exists()
    of_version = CourseVersion.id == version
    lessons_rule = select(CourseVersion.require_lessons).where(of_version).scalar_subquery()
    quiz_rule = select(CourseVersion.require_quiz).where(of_version).scalar_subquery()
    more = select(CourseVersion.id).where(
        of_version, (CourseVersion.required_sessions > 0) | (CourseVersion.require_tasks & has_tasks)
        | (CourseVersion.require_evaluation & has_evaluation)).exists()
    return select(total, done, quiz, completed_at, score, this_done, lessons_rule, quiz_rule, more)


# Built once: every lesson page and completion runs it.
_PROGRESS = _progress_statement()


def progress_with_lesson(session: Session, *, user_id: int, course_id: int, version_id: int | None,
                         quiz_passed: bool, lesson_id: int | None = None) -> tuple[Progress, bool]:
    """Progress, and whether `lesson_id` is done, in ONE statement."""
    total_n, done_n, quiz_id, completed, best, is_done, lessons_rule, quiz_rule, more = session.execute(
        _PROGRESS, {"user_id": user_id, "course_id": course_id, "version_id": version_id,
                    "lesson_id": lesson_id or 0}).one()
    return Progress(done_n, total_n, quiz_passed, quiz_id is not None, completed, best,
                    require_lessons=lessons_rule is not False, require_quiz=quiz_rule is not False,
                    more_required=bool(more)), bool(is_done)


def complete_course_if_done(session: Session, *, user_id: int, course_id: int, now: datetime,
                            enrolment: Enrolment | None = None) -> bool:
    """Record the course completion at the moment the last item its version's
    completion rules require is met: every lesson done and the quiz (if any)
    passed (each unless the rules leave it out), then whatever lms.evaluations
    judges (sessions attended, tasks done, the manager evaluation passed),
    asked through events.completion_blockers only when the version requires
    one of those. Returns True only when this call recorded it; a completion
    is never removed."""
    session.flush()  # the counts below must see this transaction's own writes
    if enrolment is None:
        enrolment = get_enrolment(session, user_id=user_id, course_id=course_id)
    progress = course_progress(session, user_id=user_id, course_id=course_id, enrolment=enrolment)
    if progress.completed_at:
        return False
    if progress.require_lessons and progress.lessons_done < progress.lessons_total:
        return False
    if progress.require_quiz and progress.has_quiz and not progress.quiz_passed:
        return False
    if progress.more_required and any(events.completion_blockers(session, user_id=user_id, course_id=course_id)):
        return False
    version_id = enrolment.version_id if enrolment is not None else _followed_version_id(session, user_id, course_id)
    version = session.get(CourseVersion, version_id) if version_id is not None else None
    recorded = insert_ignoring_duplicates(
        session, CourseCompletion,
        {"user_id": user_id, "course_id": course_id, "completed_at": now,
         "score": best_score(session, user_id=user_id, course_id=course_id),
         # How they were trained: the mode of the version they followed.
         "mode": version.delivery_mode if version is not None else "online"},
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


# ---- attempt layout: the drawn questions and their per-attempt tokens ----------------

TOKEN_HEX = 12  # 48 random bits per token


def _token(rng: random.Random, used: set[str]) -> str:
    while True:
        token = f"{rng.getrandbits(4 * TOKEN_HEX):0{TOKEN_HEX}x}"
        if token not in used:
            used.add(token)
            return token


def draw_layout(quiz: Quiz, rng: random.Random) -> list:
    """The questions of a new attempt, in the order shown, each with a random token
    standing for it in the page and the API, and its options (matching: items and
    answers) with tokens of their own. A token identifies something in this attempt
    only: it says nothing of correctness or of the order the author wrote."""
    questions = list(quiz.questions)
    if quiz.questions_per_attempt and quiz.questions_per_attempt < len(questions):
        questions = sorted(rng.sample(questions, quiz.questions_per_attempt), key=lambda q: q.position)
    if quiz.shuffle_questions:
        rng.shuffle(questions)
    used: set[str] = set()
    layout = []
    for question in questions:
        entry: dict[str, Any] = {"q": question.id, "t": _token(rng, used)}
        if question.kind == "matching":
            items = [o.id for o in question.options if o.text_md]
            first_of: dict[str, int] = {}
            for option in question.options:
                first_of.setdefault(option.match_text, option.id)
            choices = list(first_of.values())
            if quiz.shuffle_options:
                rng.shuffle(items)
            rng.shuffle(choices)  # always: in the author's order they would line up with the items
            entry["o"] = [[oid, _token(rng, used)] for oid in items]
            entry["c"] = [[oid, _token(rng, used)] for oid in choices]
        elif question.kind in CHOICE_KINDS:
            option_ids = [o.id for o in question.options]
            if quiz.shuffle_options and question.kind != "true_false":
                rng.shuffle(option_ids)
            entry["o"] = [[oid, _token(rng, used)] for oid in option_ids]
        else:
            entry["o"] = []
        layout.append(entry)
    return layout


@dataclass(frozen=True)
class AttemptItem:
    """One question of an attempt as shown: options (matching: items) and the
    matching answers in their drawn order, each with its token."""
    number: int
    question: Question
    token: str
    options: list[tuple[QuestionOption, str]]
    choices: list[tuple[QuestionOption, str]]


def attempt_items(session: Session, attempt: QuizAttempt) -> list[AttemptItem]:
    """The questions of an attempt in their drawn order (one query; the options come with them)."""
    ids = [entry["q"] for entry in attempt.layout]
    questions = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(ids)))}
    items: list[AttemptItem] = []
    for entry in attempt.layout:
        question = questions.get(entry["q"])
        if question is None:  # removed by a later edit of the course
            continue
        by_id = {o.id: o for o in question.options}
        items.append(AttemptItem(
            len(items) + 1, question, entry["t"],
            [(by_id[oid], token) for oid, token in entry.get("o", []) if oid in by_id],
            [(by_id[oid], token) for oid, token in entry.get("c", []) if oid in by_id]))
    return items


def get_attempt(session: Session, *, attempt_id: int, user_id: int) -> QuizAttempt | None:
    """An attempt, only if it is this learner's (ids in URLs reveal nothing)."""
    return session.scalar(select(QuizAttempt).where(QuizAttempt.id == attempt_id, QuizAttempt.user_id == user_id)
                          .options(lazyload(QuizAttempt.answers)))


# ---- review: what a learner sees of a submitted attempt ---------------------------

@dataclass(frozen=True)
class Review:
    score: bool
    correctness: bool
    right_answers: bool
    feedback: bool


def quiz_finished(quiz: Quiz, attempts: list[QuizAttempt], now: datetime) -> bool:
    """The learner passed the quiz or has no attempt left, and has none open."""
    if open_attempt(attempts, now) is not None:
        return False
    return any(a.passed for a in attempts if a.submitted_at is not None) or attempts_left(quiz, attempts) == 0


def review_of(quiz: Quiz, attempts: list[QuizAttempt], now: datetime) -> Review:
    """What the quiz's review options show a learner with these attempts, now."""
    finished = quiz_finished(quiz, attempts, now)

    def shown(when: str) -> bool:
        return when == "immediately" or (when == "when_finished" and finished)

    return Review(shown(quiz.review_score), shown(quiz.review_correctness), shown(quiz.review_right_answers),
                  shown(quiz.review_feedback))


# ---- grading --------------------------------------------------------------------

@dataclass
class GradedAttempt:
    attempt: QuizAttempt
    completed_course: bool
    late: bool = False
    messages: list[str] = field(default_factory=list)


_KEYED_TEXT = ("short_answer", "matching")
_ANSWER_KEY = (select(Question.id, Question.kind, Question.points, Question.units, Question.max_chars,
                      QuestionOption.id, QuestionOption.is_correct, QuestionOption.weight,
                      case((Question.kind.in_(_KEYED_TEXT), QuestionOption.text_md), else_=literal("")),
                      QuestionOption.min_value, QuestionOption.max_value, QuestionOption.match_text)
               .outerjoin(QuestionOption, QuestionOption.question_id == Question.id)
               .where(Question.quiz_id == bindparam("quiz_id"))
               .order_by(Question.id, QuestionOption.position))


def answer_key(session: Session, quiz_id: int) -> dict[int, QuestionKey]:
    """The answer key of a quiz, in one query. Never sent to a learner."""
    heads: dict[int, tuple[str, int, tuple[tuple[str, float], ...], int | None]] = {}
    answers: dict[int, list[AnswerKey]] = {}
    for (question_id, kind, points, units, max_chars, option_id, is_correct, weight, text, low, high,
         match) in session.execute(_ANSWER_KEY, {"quiz_id": quiz_id}):
        if question_id not in heads:
            heads[question_id] = (kind, points, tuple((u, float(m)) for u, m in units or ()), max_chars)
            answers[question_id] = []
        if option_id is not None:
            answers[question_id].append(AnswerKey(option_id, bool(is_correct), weight, text or "", low, high,
                                                  match or ""))
    return {qid: QuestionKey(kind, points, tuple(answers[qid]), units, max_chars)
            for qid, (kind, points, units, max_chars) in heads.items()}


MISMATCH = N_("The answers do not match this attempt; reload the quiz.")


def _one_text(value: object) -> str | None:
    """A typed answer: a string, or (from a form) a list holding one string."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value if isinstance(value, str) else None


def parse_answers(layout: list, key: Mapping[int, QuestionKey], raw: Mapping[str, object]) -> dict[int, object]:
    """Turn what the learner sent ({question token: answer}) for an attempt of this
    `layout` into what grading
    reads, refusing anything that is not an answer to a question of this attempt:
    choices -> frozenset of option ids; short answers and essays -> text;
    numerical -> the number (None: unanswered); matching -> {item id: answer id}."""
    entries = {entry["t"]: (number, entry) for number, entry in enumerate(layout, start=1)}
    answers: dict[int, object] = {}
    for token, value in raw.items():
        if token not in entries:
            raise InvalidAnswers(MISMATCH)
        number, entry = entries[token]
        question = key.get(entry["q"])
        if question is None:  # removed by an update of the course since the attempt began: not graded
            continue
        kind = question.kind
        if kind in CHOICE_KINDS:
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise InvalidAnswers(MISMATCH)
            options = {tok: oid for oid, tok in entry.get("o", [])}
            chosen = {options.get(v) for v in values if v != ""}
            if None in chosen:
                raise InvalidAnswers(MISMATCH)
            if kind != "multiple" and len(chosen) > 1:
                raise InvalidAnswers(N_("Choose only one answer for a single-choice question."))
            answers[entry["q"]] = frozenset(int(oid) for oid in chosen if oid is not None)
        elif kind == "matching":
            if not isinstance(value, dict):
                raise InvalidAnswers(MISMATCH)
            items = {tok: oid for oid, tok in entry.get("o", [])}
            choices = {tok: oid for oid, tok in entry.get("c", [])}
            pairs: dict[int, int] = {}
            for item, choice in value.items():
                if item not in items or not isinstance(choice, str) or (choice and choice not in choices):
                    raise InvalidAnswers(MISMATCH)
                if choice:
                    pairs[items[item]] = choices[choice]
            answers[entry["q"]] = pairs
        else:
            text = _one_text(value)
            if text is None:
                raise InvalidAnswers(MISMATCH)
            limit = (question.max_chars or DEFAULT_ESSAY_CHARS) if kind == "essay" else (
                MAX_NUMBER_CHARS if kind == "numerical" else MAX_TEXT_ANSWER_CHARS)
            if len(text) > limit:
                raise InvalidAnswers(N_("Question %(n)s: the answer is longer than %(max)s characters."),
                                     n=number, max=limit)
            if kind == "numerical":
                parsed = parse_number(text, question.units) if text.strip() else None
                if text.strip() and parsed is None:
                    if question.units:
                        raise InvalidAnswers(N_("Question %(n)s: write a number (such as 1234.5), optionally "
                                                "followed by one of the units %(units)s."),
                                             n=number, units=", ".join(u for u, _m in question.units))
                    raise InvalidAnswers(N_("Question %(n)s: write a number, such as 1234.5."), n=number)
                answers[entry["q"]] = (text, parsed)
            else:
                answers[entry["q"]] = text
    return answers


def grade_answer(question: QuestionKey, answer: object) -> Grade:
    """The grade of one parsed answer (see content.grading for the rules)."""
    kind = question.kind
    if kind in CHOICE_KINDS:
        return grade_choice(question, answer if isinstance(answer, frozenset) else frozenset())
    if kind == "short_answer":
        return grade_short_answer(question, answer if isinstance(answer, str) else "")
    if kind == "numerical":
        return grade_numerical(question, answer[1] if isinstance(answer, tuple) else None)
    if kind == "matching":
        return grade_matching(question, answer if isinstance(answer, dict) else {})
    return grade_essay(answer if isinstance(answer, str) else "")


def _response(kind: str, answer: object) -> dict | None:
    if kind in CHOICE_KINDS or answer is None:
        return None
    if kind == "matching":
        if not isinstance(answer, dict):
            raise TypeError("a matching answer is a mapping")
        return {"pairs": {str(item): choice for item, choice in answer.items()}} if answer else None
    text = answer[0] if isinstance(answer, tuple) else answer
    return {"text": text} if text else None


# Built once, like the statements below: the quiz submission's hot path.
_QUIZ_HEAD = (select(Quiz.pass_mark, Quiz.course_id, Quiz.version_id, CourseVersion.published_at)
              .join(CourseVersion, CourseVersion.id == Quiz.version_id).where(Quiz.id == bindparam("quiz_id")))
_RAISE_SCORE = (update(CourseCompletion)
                .where(CourseCompletion.user_id == bindparam("b_user_id"),
                       CourseCompletion.course_id == bindparam("b_course_id"),
                       (CourseCompletion.score.is_(None)) | (CourseCompletion.score < bindparam("new_score")))
                .values(score=bindparam("new_score")).execution_options(synchronize_session="fetch"))


def submit_attempt(session: Session, *, user_id: int, attempt_id: int, raw_answers: Mapping[str, object],
                   now: datetime, attempt: QuizAttempt | None = None,
                   content: ContentCache | None = None, reader: Session | None = None) -> GradedAttempt:
    """Grade on the server. `raw_answers` maps the attempt's question tokens to
    answers (see parse_answers). Anything the client claims beyond its answers
    is ignored; unanswered counts as wrong; a replay is refused and changes
    nothing. `attempt` spares a second lookup when the caller has already loaded it;
    `content` (the worker's cache of published content) keeps a published quiz's answer key;
    `reader`, a read-only session, reads the quiz (fixed once published) so that the
    grading is done before `session`'s first write (on SQLite: before the write lock)."""
    lookup = reader or session
    if attempt is None or attempt.id != attempt_id or attempt.user_id != user_id:
        attempt = get_attempt(lookup, attempt_id=attempt_id, user_id=user_id)
    if attempt is None or attempt.submitted_at is not None:
        raise AttemptClosed(N_("This attempt has already been submitted."))
    quiz_id = attempt.quiz_id
    pass_mark, course_id, version_id, published_at = lookup.execute(_QUIZ_HEAD, {"quiz_id": quiz_id}).one()
    key = (answer_key(lookup, quiz_id) if content is None
           else content.answer_key(quiz_id, published_at, lambda: answer_key(lookup, quiz_id)))
    late = attempt.deadline_at is not None and now > attempt.deadline_at + DEADLINE_GRACE
    answers = {} if late else parse_answers(attempt.layout, key, raw_answers)
    grade = _grade(attempt, key, pass_mark, answers)
    if not _record_grade(session, attempt, key, pass_mark, answers, now, grade=grade):
        raise AttemptClosed(N_("This attempt has already been submitted."))
    completed = False
    if attempt.passed:
        enrolment = _require_enrolment(session, user_id, course_id)
        # An attempt begun before the learner moved to a newer version is
        # graded, but passes only the quiz of the version they now follow.
        if enrolment.quiz_passed_at is None and enrolment.version_id == version_id:
            _set_enrolment(session, enrolment, "quiz_passed_at", now)
        completed = complete_course_if_done(session, user_id=user_id, course_id=course_id, now=now,
                                            enrolment=enrolment)
    if not completed:
        # Already completed: the recorded score is the best one, it only ever rises.
        session.execute(_RAISE_SCORE, {"b_user_id": user_id, "b_course_id": course_id, "new_score": attempt.score})
    return GradedAttempt(attempt, completed_course=completed, late=late)


_CLOSE_ATTEMPT = (update(QuizAttempt)
                  .where(QuizAttempt.id == bindparam("attempt_id"), QuizAttempt.submitted_at.is_(None))
                  .values({name: bindparam("new_" + name)
                           for name in ("submitted_at", "points_earned", "points_possible", "score", "passed")})
                  .execution_options(synchronize_session=False))


def _record_grade(session: Session, attempt: QuizAttempt, key: Mapping[int, QuestionKey], pass_mark: int,
                  answers: dict[int, object], now: datetime, *, grade: tuple[dict, list[dict]] | None = None) -> bool:
    """Grade and close the attempt in one UPDATE that only an open attempt
    matches: of parallel submissions exactly one gets True. The answers go in
    with one multi-row INSERT. An essay waiting for a person leaves the attempt's
    pass undecided (None). `grade`: what _grade already made of these answers."""
    values, rows = grade or _grade(attempt, key, pass_mark, answers)
    values = {"submitted_at": now, **values}
    claimed = cast(CursorResult[Any], session.execute(
        _CLOSE_ATTEMPT, {"attempt_id": attempt.id, **{"new_" + name: value for name, value in values.items()}})).rowcount
    if claimed != 1:
        return False
    if rows:
        session.execute(insert(table_of(AttemptAnswer)), rows)
    for name, value in values.items():  # the object now says what the row says
        set_committed_value(attempt, name, value)
    events.quiz_graded(session, user_id=attempt.user_id, attempt_id=attempt.id, now=now)  # xAPI: passed/failed
    return True


def _grade(attempt: QuizAttempt, key: Mapping[int, QuestionKey], pass_mark: int,
           answers: dict[int, object]) -> tuple[dict, list[dict]]:
    """The attempt's figures (points, score, pass) and its answer rows, computed
    without the database."""
    rows = []
    earned = possible = 0.0
    awaiting = False
    for entry in attempt.layout:
        qid = entry["q"]
        question = key.get(qid)
        if question is None:  # removed by a later edit of the course
            continue
        answer = answers.get(qid)
        grade = grade_answer(question, answer)
        points = question.points * grade.fraction if grade.fraction is not None else 0.0
        awaiting = awaiting or grade.fraction is None
        possible += question.points
        earned += points
        rows.append({"attempt_id": attempt.id, "question_id": qid, "selected_option_ids": list(grade.selected),
                     "response": _response(question.kind, answer), "is_correct": grade.fraction == 1.0,
                     "fraction": grade.fraction, "points": round(points, 4),
                     "state": "awaiting_grading" if grade.fraction is None else "graded"})
    earned = round(earned, 4)
    score = round(100 * earned / possible, 2) if possible else 0.0
    values = {"points_earned": earned, "points_possible": possible, "score": score,
              "passed": None if awaiting else score >= pass_mark}
    return values, rows


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


def offline_lessons(session: Session, *, user_id: int, limit: int = 500) -> list[tuple[str, str]]:
    """(course code, lesson slug) of every lesson of the versions the person
    follows, for reading offline; courses no longer published included (the
    enrolled keep reading them)."""
    rows = session.execute(
        select(Course.code, Lesson.slug).select_from(Enrolment)
        .join(Lesson, Lesson.version_id == Enrolment.version_id).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user_id).order_by(Enrolment.enrolled_at.desc(), Lesson.position).limit(limit))
    return [(code, slug) for code, slug in rows]


def followed_course(session: Session, *, code: str, user_id: int):
    """(course, the learner's enrolment or None, the followed version's published_at), or None."""
    return session.execute(_FOLLOWED, {"code": code, "user_id": user_id}).first()


def completions_of(session: Session, *, user_id: int) -> list[tuple[CourseCompletion, Course]]:
    """The learner's course completions with their courses, newest first."""
    return [(done, course) for done, course in session.execute(
        select(CourseCompletion, Course).join(Course, Course.id == CourseCompletion.course_id)
        .where(CourseCompletion.user_id == user_id).order_by(CourseCompletion.completed_at.desc(), Course.code))]


# ---- essays graded by a person (lms.evaluations' queue) ----------------------

class AlreadyGraded(LearningError):
    pass


def grade_awaiting_answer(session: Session, *, answer_id: int, points: float, now: datetime) -> bool:
    """Give an answer awaiting grading (an essay) its points (0..the question's),
    regrade its attempt, and when no answer of it awaits any more decide its
    pass, which may complete the course. Of two graders racing, one wins: the
    other gets AlreadyGraded. Returns True if this completed the course."""
    row = session.execute(
        select(AttemptAnswer.attempt_id, Question.points).join(Question, Question.id == AttemptAnswer.question_id)
        .where(AttemptAnswer.id == answer_id)).first()
    if row is None:
        raise AlreadyGraded(N_("This answer no longer exists."))
    attempt_id, possible = row
    if not 0 <= points <= possible:
        raise InvalidAnswers(N_("The points must be between 0 and %(max)s."), max=possible)
    fraction = points / possible
    claimed = cast(CursorResult[Any], session.execute(
        update(AttemptAnswer).where(AttemptAnswer.id == answer_id, AttemptAnswer.state == "awaiting_grading")
        .values(state="graded", fraction=fraction, points=round(points, 4), is_correct=fraction == 1.0)
        .execution_options(synchronize_session=False))).rowcount
    if claimed != 1:
        raise AlreadyGraded(N_("This answer has already been graded."))
    attempt = session.get(QuizAttempt, attempt_id)
    if attempt is None:  # pragma: no cover - the answer's foreign key keeps it
        raise AlreadyGraded(N_("This answer no longer exists."))
    session.refresh(attempt)
    earned, waiting = session.execute(
        select(func.coalesce(func.sum(AttemptAnswer.points), 0.0),
               func.count().filter(AttemptAnswer.state == "awaiting_grading"))
        .where(AttemptAnswer.attempt_id == attempt_id)).one()
    earned = round(float(earned), 4)
    score = round(100 * earned / attempt.points_possible, 2) if attempt.points_possible else 0.0
    pass_mark, course_id, version_id = session.execute(
        select(Quiz.pass_mark, Quiz.course_id, Quiz.version_id).where(Quiz.id == attempt.quiz_id)).one()
    attempt.points_earned, attempt.score = earned, score
    attempt.passed = None if waiting else score >= pass_mark
    session.flush()
    completed = False
    if attempt.passed:
        enrolment = get_enrolment(session, user_id=attempt.user_id, course_id=course_id)
        if enrolment is not None:
            if enrolment.quiz_passed_at is None and enrolment.version_id == version_id:
                enrolment.quiz_passed_at = now
            completed = complete_course_if_done(session, user_id=attempt.user_id, course_id=course_id, now=now,
                                                enrolment=enrolment)
    if not completed and not waiting:
        session.execute(
            update(CourseCompletion)
            .where(CourseCompletion.user_id == attempt.user_id, CourseCompletion.course_id == course_id,
                   (CourseCompletion.score.is_(None)) | (CourseCompletion.score < score))
            .values(score=score).execution_options(synchronize_session="fetch"))
    return completed
