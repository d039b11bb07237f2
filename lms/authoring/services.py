"""Authoring: drafts, edits, review and publication, packages, GIFT, diffs.

Every change goes to a draft version. A published version is never edited:
the first change after a publication copies the latest version into a new
draft. Draft -> review -> published -> archived; the reviewer who approves
must not have worked on the version (checked here, not only in the views).
Lesson and question HTML is rendered by content.render_markdown when saved.
Plain functions: a session and explicit arguments (user, now), no Flask."""
from __future__ import annotations

import dataclasses
import difflib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from markupsafe import Markup
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from content import PackageInvalid, Problem, dump_package, load_package_from_files, render_inline, render_markdown
from content.export import package_zip
from content.gift import GiftReport, dump_gift, parse_gift
from content.grading import numerical_range
from content.loader import question_problems
from content.render import MAX_MARKDOWN_CHARS, MAX_SHORT_MARKDOWN_CHARS, markdown_problem
from content.spec import (
    LANGUAGES,
    MAX_ESSAY_CHARS,
    MAX_TASKS,
    QUESTION_KINDS,
    REVIEW_ITEMS,
    REVIEW_TIMES,
    SCHEMES,
    SKILL_TYPES,
    STAFF_CATEGORIES,
    TARGET_LEVELS,
    TERMS_FIELDS,
    TRUE_FALSE_LABELS,
    CompletionSpec,
    CourseSpec,
    EvaluationSpec,
    LessonSpec,
    OptionSpec,
    QuestionSpec,
    QuizSpec,
    ReviewSpec,
    TaskSpec,
    TermsOfReference,
    UnitSpec,
    content_hash,
)
from lms.assignments.models import OutboxMessage
from lms.auth.models import User, UserRole
from lms.courses import services as catalog
from lms.courses.models import Course, CourseEvent, CourseVersion
from lms.courses.terms import TermNames, missing_terms
from lms.media.services import MEDIA_LINK_RE, MediaRefused, check_image, media_path, store_image
from lms.msgids import N_
from lms.zones import local_date

CODE_RE = re.compile(r"^[A-Z0-9-]{2,32}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_LESSONS = 99
EDIT_ACTIONS = frozenset({
    "created", "draft_started", "metadata_edited", "lesson_added", "lesson_edited", "lesson_removed", "lesson_moved",
    "quiz_edited", "quiz_removed", "question_added", "question_edited", "question_removed", "question_moved",
    "gift_imported", "package_imported", "activities_edited",
})


class AuthoringError(Exception):
    """A refused authoring action; str() is a msgid, `params` its placeholders,
    `problems` any package problems (file, line, field)."""

    def __init__(self, message: str, problems: list[Problem] | None = None, **params) -> None:
        super().__init__(message)
        self.params = params
        self.problems = problems or []


# ---- trail -------------------------------------------------------------------------------

def record(session: Session, course: Course, *, action: str, now: datetime, user=None,
           version: CourseVersion | None = None, detail: str = "") -> CourseEvent:
    event = CourseEvent(course_id=course.id, version_number=version.number if version is not None else None, at=now,
                        user_id=getattr(user, "id", None), username=(getattr(user, "username", "") or "")[:80],
                        action=action, detail=detail[:2000])
    session.add(event)
    return event


def course_events(session: Session, course_id: int, limit: int = 200) -> list[CourseEvent]:
    return list(session.scalars(select(CourseEvent).where(CourseEvent.course_id == course_id)
                                .order_by(CourseEvent.at.desc(), CourseEvent.id.desc()).limit(limit)))


# ---- reading -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CourseRow:
    course: Course
    live: CourseVersion | None
    working: CourseVersion | None  # draft or in review
    last_change: CourseEvent | None


def course_list(session: Session) -> list[CourseRow]:
    courses = list(session.scalars(select(Course).order_by(Course.code)))
    rows = []
    for course in courses:
        last = session.scalar(select(CourseEvent).where(CourseEvent.course_id == course.id)
                              .order_by(CourseEvent.at.desc(), CourseEvent.id.desc()).limit(1))
        rows.append(CourseRow(course, catalog.published_version(session, course.id),
                              catalog.open_version(session, course.id), last))
    return rows


def current_version(session: Session, course: Course) -> CourseVersion:
    """What an author sees and edits: the open draft/review version, else the latest."""
    version = catalog.open_version(session, course.id) or catalog.latest_version(session, course.id)
    if version is None:  # a course is created with its first version
        raise LookupError(f"course {course.code} has no version")
    return version


def contributors(session: Session, version: CourseVersion) -> set[int]:
    """Everyone who created, changed or submitted this version."""
    ids = set(session.scalars(select(CourseEvent.user_id).where(
        CourseEvent.course_id == version.course_id, CourseEvent.version_number == version.number,
        CourseEvent.action.in_(EDIT_ACTIONS | {"submitted"}), CourseEvent.user_id.is_not(None))))
    ids |= {i for i in (version.created_by_id, version.submitted_by_id) if i is not None}
    return {i for i in ids if i is not None}


# ---- drafts ------------------------------------------------------------------------------

def draft_for_edit(session: Session, course: Course, *, user, now: datetime) -> CourseVersion:
    """The draft to change: the open draft, or a new one copied from the latest version."""
    working = catalog.open_version(session, course.id)
    if working is not None:
        if working.status == "review":
            raise AuthoringError(N_("This version is in review: it cannot change until the reviewer publishes it "
                                    "or returns it to the authors."))
        return working
    latest = catalog.latest_version(session, course.id)
    if latest is None:  # a course is created with its first version
        raise LookupError(f"course {course.code} has no version")
    draft = catalog.new_version(session, course, now=now, user_id=user.id, based_on=latest)
    catalog.fill_version(session, draft, catalog.version_spec(latest))
    record(session, course, action="draft_started", now=now, user=user, version=draft,
           detail=f"copied from version {latest.number}")
    return draft


def _markdown_problems(spec: CourseSpec) -> list[str]:
    """Markdown fields that cannot be saved (too long, nested too deeply): refused
    at once rather than rendered slowly on every page that shows them."""
    fields: list[tuple[str, str, int]] = [("summary", spec.summary, MAX_SHORT_MARKDOWN_CHARS)]
    fields += [(name, getattr(spec.terms, name), MAX_SHORT_MARKDOWN_CHARS) for name in TERMS_FIELDS]
    fields += [(ls.title or ls.slug, ls.body_md, MAX_MARKDOWN_CHARS) for ls in spec.lessons]
    for number, q in enumerate(spec.quiz.questions if spec.quiz else (), start=1):
        fields += [(f"question {number}", q.text_md, MAX_SHORT_MARKDOWN_CHARS),
                   (f"question {number} feedback", q.feedback_md, MAX_SHORT_MARKDOWN_CHARS)]
        fields += [(f"question {number} option {i}", text, MAX_SHORT_MARKDOWN_CHARS)
                   for i, o in enumerate(q.options, start=1) for text in (o.text_md, o.feedback_md)]
    return [str(problem) for name, text, limit in fields
            if text and (problem := markdown_problem(text, name, max_chars=limit)) is not None]


def _save(session: Session, draft: CourseVersion, spec: CourseSpec, *, now: datetime) -> None:
    refused = _markdown_problems(spec)
    if refused:
        raise AuthoringError(N_("This text cannot be saved: %(problem)s"), problem="; ".join(refused[:3]))
    catalog.fill_version(session, draft, spec)
    draft.problems = [dataclasses.asdict(p) for p in validate_version(draft)]
    draft.updated_at = now
    course = draft.course
    course.updated_at = now
    if course.status in ("draft", "review"):  # never published: the catalogue copy follows the draft
        catalog.sync_course(session, course, draft)
    session.flush()


def _spec(draft: CourseVersion) -> CourseSpec:
    return catalog.version_spec(draft)


@dataclass
class Metadata:
    title: str
    summary: str = ""
    skill_type: str = "social-security"
    target_level: str = "information"
    language: str = "zh_CN"
    estimated_minutes: int = 0
    schemes: list[str] = field(default_factory=list)
    audience: list[str] = field(default_factory=list)
    terms: dict[str, str] = field(default_factory=dict)
    certificate_validity_days: int | None = None
    policy_as_of: date | None = None
    review_by: date | None = None


def _check_metadata(data: Metadata) -> None:
    if not data.title.strip() or "\n" in data.title.strip() or len(data.title) > 200:
        raise AuthoringError(N_("Give the course a title of one line (at most 200 characters)."))
    if data.skill_type not in SKILL_TYPES or data.target_level not in TARGET_LEVELS or data.language not in LANGUAGES:
        raise AuthoringError(N_("Choose a skill type, a target level and a language from the lists."))
    if not set(data.schemes) <= set(SCHEMES) or not set(data.audience) <= set(STAFF_CATEGORIES):
        raise AuthoringError(N_("Choose schemes and staff categories from the lists."))
    if not 0 <= data.estimated_minutes <= 10000:
        raise AuthoringError(N_("The estimated time is in minutes, between 0 and 10000."))
    if data.certificate_validity_days is not None and not 1 <= data.certificate_validity_days <= 36500:
        raise AuthoringError(N_("A certificate stays valid between 1 and 36500 days (leave it empty: never expires)."))
    if data.policy_as_of is not None and data.review_by is not None and data.review_by <= data.policy_as_of:
        raise AuthoringError(N_("The review date must come after the policy date (%(date)s)."),
                             date=data.policy_as_of.isoformat())


def _norm(text: str) -> str:
    from content import normalise_markdown

    return normalise_markdown(text or "")


def create_course(session: Session, *, code: str, data: Metadata, user, now: datetime) -> Course:
    code = (code or "").strip().upper()
    if not CODE_RE.fullmatch(code):
        raise AuthoringError(N_("The code uses capital letters, digits and '-', 2 to 32 characters (e.g. SS-PEN-201)."))
    if session.scalar(select(Course.id).where(Course.code == code)) is not None:
        raise AuthoringError(N_("A course with the code %(code)s already exists."), code=code)
    _check_metadata(data)
    spec = _metadata_spec(CourseSpec(code=code, title="", summary="", skill_type=data.skill_type,
                                     target_level=data.target_level, language=data.language, estimated_minutes=0,
                                     schemes=(), audience=(), terms=TermsOfReference(), lessons=(), quiz=None), data)
    course = Course(code=code, status="draft", created_at=now, updated_at=now)
    catalog.copy_metadata(course, catalog.SpecMetadata(spec, content_hash(spec)))
    session.add(course)
    session.flush()
    draft = catalog.new_version(session, course, now=now, user_id=user.id)
    _save(session, draft, spec, now=now)
    record(session, course, action="created", now=now, user=user, version=draft, detail=code)
    return course


def _metadata_spec(spec: CourseSpec, data: Metadata) -> CourseSpec:
    return dataclasses.replace(
        spec, title=data.title.strip(), summary=_norm(data.summary), skill_type=data.skill_type,
        target_level=data.target_level, language=data.language, estimated_minutes=data.estimated_minutes or sum(
            ls.estimated_minutes for ls in spec.lessons),
        schemes=tuple(sorted(set(data.schemes))), audience=tuple(c for c in STAFF_CATEGORIES if c in data.audience),
        terms=TermsOfReference(**{f: _norm(data.terms.get(f, "")) for f in TERMS_FIELDS}),
        certificate_validity_days=data.certificate_validity_days,
        policy_as_of=data.policy_as_of, review_by=data.review_by,
    )


def update_metadata(session: Session, course: Course, *, data: Metadata, user, now: datetime) -> CourseVersion:
    _check_metadata(data)
    draft = draft_for_edit(session, course, user=user, now=now)
    spec = _spec(draft)
    if spec.quiz is not None and data.language != spec.language:
        spec = dataclasses.replace(spec, quiz=_relabel_true_false(spec.quiz, data.language))
    _save(session, draft, _metadata_spec(spec, data), now=now)
    record(session, course, action="metadata_edited", now=now, user=user, version=draft)
    return draft


def _relabel_true_false(quiz: QuizSpec, language: str) -> QuizSpec:
    labels = TRUE_FALSE_LABELS[language]
    questions = tuple(
        dataclasses.replace(q, options=tuple(dataclasses.replace(o, text_md=label, text_html=render_inline(label))
                                             for o, label in zip(q.options, labels, strict=False)))
        if q.kind == "true_false" else q for q in quiz.questions)
    return dataclasses.replace(quiz, questions=questions)


# ---- lessons -------------------------------------------------------------------------------

def preview(markdown_text: str) -> str:
    """Exactly what learners will get (and nothing is saved)."""
    return render_markdown(_norm(markdown_text))


def _lesson(title: str, slug: str, body: str, minutes: int | None, position: int) -> LessonSpec:
    title = (title or "").strip()
    body = _norm(body)
    if not title or "\n" in title or len(title) > 200:
        raise AuthoringError(N_("Give the lesson a title of one line (at most 200 characters)."))
    if not body:
        raise AuthoringError(N_("The lesson text is empty."))
    if minutes is not None and not 1 <= minutes <= 1000:
        raise AuthoringError(N_("The reading time is in minutes, between 1 and 1000."))
    minutes = minutes or max(1, -(-len(body) // 400))
    return LessonSpec(slug=slug, position=position, title=title, body_md=body, body_html=render_markdown(body),
                      estimated_minutes=minutes)


def _renumber(lessons: list[LessonSpec]) -> tuple[LessonSpec, ...]:
    return tuple(dataclasses.replace(ls, position=i) for i, ls in enumerate(lessons, start=1))


def _with_lessons(spec: CourseSpec, lessons: list[LessonSpec], *, keep_minutes: bool) -> CourseSpec:
    lessons_t = _renumber(lessons)
    old_sum = sum(ls.estimated_minutes for ls in spec.lessons)
    minutes = spec.estimated_minutes
    if not keep_minutes or minutes in (0, old_sum):  # the course time followed its lessons: keep following
        minutes = sum(ls.estimated_minutes for ls in lessons_t)
    return dataclasses.replace(spec, lessons=lessons_t, estimated_minutes=minutes)


def add_lesson(session: Session, course: Course, *, title: str, slug: str, body: str, minutes: int | None,
               user, now: datetime) -> LessonSpec:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.fullmatch(slug):
        raise AuthoringError(N_("The lesson's short name uses small letters, digits and '-' (e.g. contributions)."))
    draft = draft_for_edit(session, course, user=user, now=now)
    spec = _spec(draft)
    if any(ls.slug == slug for ls in spec.lessons):
        raise AuthoringError(N_("Another lesson already has the short name %(slug)s."), slug=slug)
    if len(spec.lessons) >= MAX_LESSONS:
        raise AuthoringError(N_("A course has at most 99 lessons."))
    lesson = _lesson(title, slug, body, minutes, len(spec.lessons) + 1)
    _save(session, draft, _with_lessons(spec, [*spec.lessons, lesson], keep_minutes=True), now=now)
    record(session, course, action="lesson_added", now=now, user=user, version=draft, detail=slug)
    return lesson


def update_lesson(session: Session, course: Course, slug: str, *, title: str, body: str, minutes: int | None,
                  user, now: datetime) -> None:
    draft = draft_for_edit(session, course, user=user, now=now)
    spec = _spec(draft)
    lessons = list(spec.lessons)
    index = next((i for i, ls in enumerate(lessons) if ls.slug == slug), None)
    if index is None:
        raise AuthoringError(N_("There is no such lesson in the draft."))
    lessons[index] = _lesson(title, slug, body, minutes, lessons[index].position)
    if lessons[index] == spec.lessons[index]:
        return
    _save(session, draft, _with_lessons(spec, lessons, keep_minutes=True), now=now)
    record(session, course, action="lesson_edited", now=now, user=user, version=draft, detail=slug)


def remove_lesson(session: Session, course: Course, slug: str, *, user, now: datetime) -> None:
    draft = draft_for_edit(session, course, user=user, now=now)
    spec = _spec(draft)
    lessons = [ls for ls in spec.lessons if ls.slug != slug]
    if len(lessons) == len(spec.lessons):
        raise AuthoringError(N_("There is no such lesson in the draft."))
    _save(session, draft, _with_lessons(spec, lessons, keep_minutes=True), now=now)
    record(session, course, action="lesson_removed", now=now, user=user, version=draft, detail=slug)


def move_lesson(session: Session, course: Course, slug: str, *, up: bool, user, now: datetime) -> None:
    draft = draft_for_edit(session, course, user=user, now=now)
    spec = _spec(draft)
    lessons = list(spec.lessons)
    index = next((i for i, ls in enumerate(lessons) if ls.slug == slug), None)
    if index is None:
        raise AuthoringError(N_("There is no such lesson in the draft."))
    other = index - 1 if up else index + 1
    if not 0 <= other < len(lessons):
        return
    lessons[index], lessons[other] = lessons[other], lessons[index]
    _save(session, draft, _with_lessons(spec, lessons, keep_minutes=True), now=now)
    record(session, course, action="lesson_moved", now=now, user=user, version=draft,
           detail=f"{slug} {'up' if up else 'down'}")


# ---- quiz ----------------------------------------------------------------------------------

@dataclass
class QuizSettings:
    title: str
    pass_mark: int = 60
    attempts_allowed: int = 0
    shuffle_questions: bool = False
    shuffle_options: bool = False
    time_limit_minutes: int | None = None
    questions_per_attempt: int | None = None
    review: ReviewSpec = field(default_factory=ReviewSpec)


@dataclass
class OptionInput:
    """A choice option, or an accepted short answer (text, weight, feedback)."""
    text: str
    correct: bool = False
    feedback: str = ""
    weight: float | None = None  # percent; choice: partial credit when any option has one


@dataclass
class NumberInput:
    """An accepted numerical answer: value +/- tolerance, or min..max, or any other number."""
    value: float | None = None
    tolerance: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    other: bool = False
    weight: float | None = None
    feedback: str = ""


@dataclass
class QuestionInput:
    kind: str
    text: str
    feedback: str = ""
    points: int = 1
    title: str = ""
    options: list[OptionInput] = field(default_factory=list)  # single/multiple; short_answer: accepted answers
    answer: bool | None = None  # true_false
    feedback_true: str = ""
    feedback_false: str = ""
    numbers: list[NumberInput] = field(default_factory=list)  # numerical
    units: list[tuple[str, float]] = field(default_factory=list)  # numerical: (unit, multiplier), base first
    pairs: list[tuple[str, str]] = field(default_factory=list)  # matching: (item, answer)
    distractors: list[str] = field(default_factory=list)  # matching
    max_chars: int | None = None  # essay


def _default_quiz(language: str) -> QuizSpec:
    return QuizSpec(title="测验" if language == "zh_CN" else "Quiz", pass_mark=60, attempts_allowed=0,
                    shuffle_questions=False, shuffle_options=False, time_limit_minutes=None,
                    questions_per_attempt=None, questions=())


def _check_settings(settings: QuizSettings, questions: int) -> None:
    if not settings.title.strip() or "\n" in settings.title.strip() or len(settings.title) > 200:
        raise AuthoringError(N_("Give the quiz a title of one line (at most 200 characters)."))
    if not 0 <= settings.pass_mark <= 100:
        raise AuthoringError(N_("The pass mark is a percentage between 0 and 100."))
    if settings.attempts_allowed < 0:
        raise AuthoringError(N_("Attempts allowed cannot be negative (0 means unlimited)."))
    if settings.time_limit_minutes is not None and settings.time_limit_minutes < 1:
        raise AuthoringError(N_("The time limit is at least one minute (leave it empty for none)."))
    if settings.questions_per_attempt is not None and not 1 <= settings.questions_per_attempt <= max(1, questions):
        raise AuthoringError(N_("Questions per attempt must be between 1 and the number of questions (%(n)s)."),
                             n=questions)
    if not all(getattr(settings.review, item) in REVIEW_TIMES for item in REVIEW_ITEMS):
        raise AuthoringError(N_("Choose when learners see each part of their attempts from the lists."))


def update_quiz_settings(session: Session, course: Course, *, settings: QuizSettings, user, now: datetime) -> None:
    draft = draft_for_edit(session, course, user=user, now=now)
    spec = _spec(draft)
    if spec.quiz is None:
        raise AuthoringError(N_("Add a first question to create the quiz."))
    _check_settings(settings, len(spec.quiz.questions))
    quiz = dataclasses.replace(spec.quiz, title=settings.title.strip(), pass_mark=settings.pass_mark,
                               attempts_allowed=settings.attempts_allowed,
                               shuffle_questions=settings.shuffle_questions, shuffle_options=settings.shuffle_options,
                               time_limit_minutes=settings.time_limit_minutes,
                               questions_per_attempt=settings.questions_per_attempt, review=settings.review)
    _save(session, draft, dataclasses.replace(spec, quiz=quiz), now=now)
    record(session, course, action="quiz_edited", now=now, user=user, version=draft)


def remove_quiz(session: Session, course: Course, *, user, now: datetime) -> None:
    draft = draft_for_edit(session, course, user=user, now=now)
    spec = _spec(draft)
    if spec.quiz is None:
        return
    _save(session, draft, dataclasses.replace(spec, quiz=None), now=now)
    record(session, course, action="quiz_removed", now=now, user=user, version=draft)


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def _choice_options(data: QuestionInput) -> tuple[OptionSpec, ...]:
    given = [o for o in data.options if _norm(o.text)]
    if len(given) < 2:
        raise AuthoringError(N_("A choice question needs at least 2 options."))
    weighted = any(o.weight is not None for o in given)
    if weighted:
        weights = [o.weight or 0.0 for o in given]
        if not all(-100 <= w <= 100 for w in weights):
            raise AuthoringError(N_("A weight is a percentage between -100 and 100."))
        if data.kind == "single" and max(weights) != 100:
            raise AuthoringError(N_("With weights, a single-choice question needs an option at 100%."))
        positive = sum(w for w in weights if w > 0)
        if data.kind == "multiple" and abs(positive - 100) > 0.5:
            raise AuthoringError(N_("With weights, the positive weights of a multiple-choice question add up to "
                                    "100%% (now %(n)s%%)."), n=f"{positive:g}")
        flags = [w >= 100 if data.kind == "single" else w > 0 for w in weights]
    else:
        flags = [bool(o.correct) for o in given]
        correct = sum(flags)
        if data.kind == "single" and correct != 1:
            raise AuthoringError(N_("A single-choice question needs exactly one correct option (%(n)s marked)."),
                                 n=correct)
        if data.kind == "multiple" and correct == 0:
            raise AuthoringError(N_("A multiple-choice question needs at least one correct option."))
    return tuple(OptionSpec(_norm(o.text), render_inline(_norm(o.text)), flag, _norm(o.feedback),
                            render_markdown(_norm(o.feedback)), weight=(o.weight or 0.0) if weighted else None)
                 for o, flag in zip(given, flags, strict=True))


def _short_answers(data: QuestionInput) -> tuple[OptionSpec, ...]:
    given = [o for o in data.options if _one_line(o.text)]
    if not given:
        raise AuthoringError(N_("Give at least one accepted answer."))
    options = []
    for o in given:
        weight = 100.0 if o.weight is None else o.weight
        if not 0 <= weight <= 100:
            raise AuthoringError(N_("The weight of an accepted answer is a percentage between 0 and 100."))
        text = _one_line(o.text)
        options.append(OptionSpec(text, html.escape(text), weight >= 100, _norm(o.feedback),
                                  render_markdown(_norm(o.feedback)), weight=weight))
    if not any(o.weight == 100 for o in options):
        raise AuthoringError(N_("One accepted answer needs weight 100%, so that full marks are possible."))
    return tuple(options)


def _numerical_answers(data: QuestionInput) -> tuple[OptionSpec, ...]:
    options = []
    for n in data.numbers:
        if n.other:
            low = high = None
        elif n.value is not None:
            if n.minimum is not None or n.maximum is not None:
                raise AuthoringError(N_("Give an answer either as a value with a tolerance or as a range, not both."))
            if n.tolerance is not None and n.tolerance < 0:
                raise AuthoringError(N_("A tolerance cannot be negative."))
            low, high = numerical_range(n.value, n.tolerance or 0.0)
        elif n.minimum is not None and n.maximum is not None:
            if n.minimum > n.maximum:
                raise AuthoringError(N_("A range starts at its smaller number."))
            low, high = n.minimum, n.maximum
        elif n.minimum is not None or n.maximum is not None or n.tolerance is not None:
            raise AuthoringError(N_("A range needs both its smallest and its largest number."))
        else:
            continue  # an empty row
        weight = (0.0 if n.other else 100.0) if n.weight is None else n.weight
        if not 0 <= weight <= 100:
            raise AuthoringError(N_("The weight of an accepted answer is a percentage between 0 and 100."))
        options.append(OptionSpec("", "", weight >= 100, _norm(n.feedback), render_markdown(_norm(n.feedback)),
                                  weight=weight, min_value=low, max_value=high))
    if not any(o.weight == 100 and o.min_value is not None for o in options):
        raise AuthoringError(N_("One accepted answer needs weight 100%, so that full marks are possible."))
    return tuple(options)


def _matching_pairs(data: QuestionInput) -> tuple[OptionSpec, ...]:
    pairs = [(_norm(item), _one_line(match)) for item, match in data.pairs if _norm(item) or _one_line(match)]
    if any(not item or not match for item, match in pairs):
        raise AuthoringError(N_("Every pair needs an item and its answer."))
    if len(pairs) < 2:
        raise AuthoringError(N_("A matching question needs at least 2 pairs."))
    answers = {match for _item, match in pairs}
    distractors: list[str] = []
    for text in (_one_line(d) for d in data.distractors):
        if text and text not in answers and text not in distractors:
            distractors.append(text)
    return (tuple(OptionSpec(item, render_inline(item), True, "", "", match=match) for item, match in pairs)
            + tuple(OptionSpec("", "", False, "", "", match=text) for text in distractors))


def build_question(data: QuestionInput, language: str) -> QuestionSpec:
    if data.kind not in QUESTION_KINDS:
        raise AuthoringError(N_("Choose the kind of question."))
    text = _norm(data.text)
    if not text:
        raise AuthoringError(N_("The question has no text."))
    if not 1 <= data.points <= 100:
        raise AuthoringError(N_("A question is worth between 1 and 100 points."))
    title = _one_line(data.title)
    if len(title) > 200:
        raise AuthoringError(N_("A question's name is at most 200 characters."))
    feedback = _norm(data.feedback)
    units: tuple[UnitSpec, ...] = ()
    max_chars: int | None = None
    options: tuple[OptionSpec, ...] = ()
    if data.kind == "true_false":
        if data.answer is None:
            raise AuthoringError(N_("Say whether the statement is true or false."))
        labels = TRUE_FALSE_LABELS[language]
        feedbacks = (_norm(data.feedback_true), _norm(data.feedback_false))
        options = tuple(OptionSpec(label, render_inline(label), data.answer is value, fb, render_markdown(fb))
                        for label, value, fb in zip(labels, (True, False), feedbacks, strict=True))
    elif data.kind in ("single", "multiple"):
        options = _choice_options(data)
    elif data.kind == "short_answer":
        options = _short_answers(data)
    elif data.kind == "numerical":
        options = _numerical_answers(data)
        units = tuple(UnitSpec(_one_line(unit), multiplier) for unit, multiplier in data.units if _one_line(unit))
    elif data.kind == "matching":
        options = _matching_pairs(data)
    elif data.kind == "essay":
        max_chars = data.max_chars
        if max_chars is not None and not 1 <= max_chars <= MAX_ESSAY_CHARS:
            raise AuthoringError(N_("An essay answer may be limited to between 1 and %(n)s characters."),
                                 n=MAX_ESSAY_CHARS)
    question = QuestionSpec(data.kind, text, render_markdown(text), feedback, render_markdown(feedback), data.points,
                            options, title=title, units=units, max_chars=max_chars)
    problems = question_problems(question, language)
    if problems:  # what a package would be refused for, in the package's words
        raise AuthoringError(N_("This question cannot be saved: %(problem)s"),
                             problem="; ".join(f"{p.field.split('.', 1)[-1] + ': ' if p.field else ''}{p.message}"
                                               for p in problems[:3]))
    return question


def _with_questions(spec: CourseSpec, questions: list[QuestionSpec]) -> CourseSpec:
    if not questions:
        return dataclasses.replace(spec, quiz=None)
    quiz = spec.quiz or _default_quiz(spec.language)
    per_attempt = quiz.questions_per_attempt
    if per_attempt is not None and per_attempt > len(questions):
        per_attempt = len(questions)
    return dataclasses.replace(spec, quiz=dataclasses.replace(quiz, questions=tuple(questions),
                                                              questions_per_attempt=per_attempt))


def add_question(session: Session, course: Course, *, data: QuestionInput, user, now: datetime) -> int:
    draft = draft_for_edit(session, course, user=user, now=now)
    spec = _spec(draft)
    question = build_question(data, spec.language)
    questions = [*(spec.quiz.questions if spec.quiz else ()), question]
    _save(session, draft, _with_questions(spec, questions), now=now)
    record(session, course, action="question_added", now=now, user=user, version=draft, detail=f"#{len(questions)}")
    return len(questions)


def update_question(session: Session, course: Course, number: int, *, data: QuestionInput, user, now: datetime) -> None:
    draft = draft_for_edit(session, course, user=user, now=now)
    spec = _spec(draft)
    questions = list(spec.quiz.questions) if spec.quiz else []
    if not 1 <= number <= len(questions):
        raise AuthoringError(N_("There is no such question in the draft."))
    questions[number - 1] = build_question(data, spec.language)
    _save(session, draft, _with_questions(spec, questions), now=now)
    record(session, course, action="question_edited", now=now, user=user, version=draft, detail=f"#{number}")


def remove_question(session: Session, course: Course, number: int, *, user, now: datetime) -> None:
    draft = draft_for_edit(session, course, user=user, now=now)
    spec = _spec(draft)
    questions = list(spec.quiz.questions) if spec.quiz else []
    if not 1 <= number <= len(questions):
        raise AuthoringError(N_("There is no such question in the draft."))
    del questions[number - 1]
    _save(session, draft, _with_questions(spec, questions), now=now)
    record(session, course, action="question_removed", now=now, user=user, version=draft, detail=f"#{number}")


def move_question(session: Session, course: Course, number: int, *, up: bool, user, now: datetime) -> None:
    draft = draft_for_edit(session, course, user=user, now=now)
    spec = _spec(draft)
    questions = list(spec.quiz.questions) if spec.quiz else []
    other = number - 2 if up else number
    if not 1 <= number <= len(questions) or not 0 <= other < len(questions):
        return
    questions[number - 1], questions[other] = questions[other], questions[number - 1]
    _save(session, draft, _with_questions(spec, questions), now=now)
    record(session, course, action="question_moved", now=now, user=user, version=draft,
           detail=f"#{number} {'up' if up else 'down'}")


def import_gift(session: Session, course: Course, *, data: bytes | str, replace: bool, user,
                now: datetime) -> GiftReport:
    """Add (or replace by) the questions of a GIFT file. A malformed file
    raises AuthoringError with its problems and changes nothing."""
    language = current_version(session, course).language
    try:
        report = parse_gift(data, language=language)
    except PackageInvalid as exc:
        raise AuthoringError(N_("The GIFT file has errors; nothing was imported."), problems=exc.problems) from None
    if not report.questions:
        raise AuthoringError(N_("The GIFT file holds no question (only text without an answer block); nothing was "
                                "imported."),
                             problems=[Problem("quiz.gift", s.line, s.title or None, f"{s.kind}: not a question")
                                       for s in report.skipped])
    draft = draft_for_edit(session, course, user=user, now=now)
    spec = _spec(draft)
    kept = [] if replace or spec.quiz is None else list(spec.quiz.questions)
    _save(session, draft, _with_questions(spec, [*kept, *report.questions]), now=now)
    record(session, course, action="gift_imported", now=now, user=user, version=draft,
           detail=f"{len(report.questions)} imported, {len(report.skipped)} not questions"
                  + (", replacing the questions" if replace else ""))
    return report


def export_gift(version: CourseVersion) -> tuple[str, str]:
    """(file name, GIFT text) of a version's questions; importing it gives the same questions."""
    quiz = catalog.version_spec(version).quiz
    text = dump_gift(quiz.questions if quiz is not None else (), category=version.course.code)
    return f"{version.course.code.lower()}-v{version.number}-quiz.gift.txt", text


# ---- review workflow -----------------------------------------------------------------------

def stored_problems(version: CourseVersion) -> list[Problem]:
    """The problems found when the version was last saved (no rendering)."""
    return [Problem(**p) for p in version.problems or []]


def validate_version(version: CourseVersion) -> list[Problem]:
    """The problems a package of this version would have (an empty list: publishable).
    Loads the package, rendering every lesson: call it on save, never on a GET."""
    try:
        load_package_from_files(dump_package(catalog.version_spec(version)))
    except PackageInvalid as exc:
        return exc.problems
    except ValueError as exc:
        return [Problem("(course)", None, None, str(exc))]
    return []


def submit_for_review(session: Session, course: Course, *, user, now: datetime) -> CourseVersion:
    draft = catalog.open_version(session, course.id)
    if draft is None or draft.status != "draft":
        raise AuthoringError(N_("There is no draft to submit."))
    if not draft.lessons:
        raise AuthoringError(N_("Add at least one lesson before submitting."))
    missing = missing_terms(draft)
    if missing:
        raise AuthoringError(N_("Fill in every term of reference before submitting. Missing: %(terms)s."),
                             terms=TermNames(missing))
    problems = validate_version(draft)
    if problems:
        raise AuthoringError(N_("The draft cannot be submitted yet:"), problems=problems)
    live = catalog.published_version(session, course.id)
    if live is not None and live.content_hash == draft.content_hash:
        raise AuthoringError(N_("The draft is the same as the published version: there is nothing to review."))
    check_review_dates(draft, live, today=local_date(now))
    draft.status = "review"
    draft.submitted_at, draft.submitted_by_id = now, user.id
    draft.reviewed_at = draft.reviewed_by_id = None
    draft.review_comment = ""
    draft.updated_at = now
    if course.status == "draft":
        course.status = "review"
    record(session, course, action="submitted", now=now, user=user, version=draft)
    session.flush()
    return draft


def _version_in_review(session: Session, course: Course) -> CourseVersion:
    version = catalog.open_version(session, course.id)
    if version is None or version.status != "review":
        raise AuthoringError(N_("There is no version waiting for review."))
    return version


def can_review(session: Session, version: CourseVersion, user) -> bool:
    return bool(user.role_names & {"author", "admin"}) and user.id not in contributors(session, version)


def approve(session: Session, course: Course, *, user, now: datetime, comment: str = "") -> CourseVersion:
    """Publish the version in review. Its authors cannot approve it themselves."""
    version = _version_in_review(session, course)
    if not user.role_names & {"author", "admin"}:
        raise AuthoringError(N_("Only an author or an administrator can review a course."))
    if user.id in contributors(session, version):
        raise AuthoringError(N_("You worked on this version: another author or an administrator must review it."))
    check_review_dates(version, catalog.published_version(session, course.id), today=local_date(now))
    version.reviewed_at, version.reviewed_by_id = now, user.id
    version.review_comment = (comment or "").strip()[:2000]
    catalog.publish_version(session, version, now=now)
    record(session, course, action="published", now=now, user=user, version=version, detail=version.review_comment)
    return version


def return_to_authors(session: Session, course: Course, *, user, now: datetime, comment: str) -> CourseVersion:
    version = _version_in_review(session, course)
    comment = (comment or "").strip()
    if not comment:
        raise AuthoringError(N_("Say what must change: a comment is required to return a version."))
    # Anyone allowed to author may return a version, its own authors included
    # (withdrawing one's own submission to fix it is legitimate).
    version.status = "draft"
    version.reviewed_at, version.reviewed_by_id = now, user.id
    version.review_comment = comment[:2000]
    version.updated_at = now
    if course.status == "review":
        course.status = "draft"
    record(session, course, action="returned", now=now, user=user, version=version, detail=comment)
    session.flush()
    return version


def withdraw_from_review(session: Session, course: Course, *, user, now: datetime) -> CourseVersion:
    """Take the version in review back to draft to change it (no reviewer's
    comment needed: nobody reviewed it)."""
    version = _version_in_review(session, course)
    version.status = "draft"
    version.submitted_at = version.submitted_by_id = None
    version.updated_at = now
    if course.status == "review":
        course.status = "draft"
    record(session, course, action="withdrawn_from_review", now=now, user=user, version=version)
    session.flush()
    return version


def archive_course(session: Session, course: Course, *, user, now: datetime) -> None:
    """Withdraw the course from the catalogue (learners enrolled keep reading it)."""
    live = catalog.published_version(session, course.id)
    if live is None:
        raise AuthoringError(N_("Only a published course can be archived."))
    live.status = "archived"
    course.status = "archived"
    course.updated_at = now
    record(session, course, action="archived", now=now, user=user, version=live)
    session.flush()
    session.expire(course, ["lessons", "quiz", "published_version"])


def discard_draft(session: Session, course: Course, *, user, now: datetime) -> None:
    draft = catalog.open_version(session, course.id)
    if draft is None or draft.status != "draft":
        raise AuthoringError(N_("There is no draft to discard."))
    latest = catalog.latest_version(session, course.id)
    if draft.number == 1 and latest is not None and latest.id == draft.id:
        raise AuthoringError(N_("The first version of a course cannot be discarded; edit it instead."))
    number = draft.number
    session.delete(draft)
    session.flush()
    record(session, course, action="draft_discarded", now=now, user=user, detail=f"version {number}")
    session.expire(course, ["versions"])


# ---- packages ------------------------------------------------------------------------------

_PACKAGE_IMAGE_LINK = re.compile(r"(\]\(|src=\")(?:\./|\.\./)?(images/[^)\s\"]+)")


def _media_names(spec: CourseSpec) -> list[str]:
    text = "\n".join(f.decode("utf-8", "replace") for f in dump_package(spec).values())
    return sorted(set(MEDIA_LINK_RE.findall(text)))


def export_version(session: Session, version: CourseVersion, media_folder: str | Path) -> tuple[str, bytes]:
    """(file name, zip bytes) of a version's package, with the images its text uses."""
    spec = catalog.version_spec(version)
    images: dict[str, bytes] = {}
    for name in _media_names(spec):
        path = media_path(media_folder, name)
        if path is not None and path.is_file():
            images[f"images/{name}"] = path.read_bytes()
    spec = dataclasses.replace(spec, images=tuple(sorted(images)))
    folder = f"{version.course.code.lower()}"
    return f"{folder}-v{version.number}.zip", package_zip(spec, images, folder=folder)


def _rewrite_images(spec: CourseSpec, mapping: dict[str, str]) -> CourseSpec:
    """Point `images/x.png` links of a package at the stored `/media/<name>`."""
    if not mapping:
        return spec

    def fix(text: str) -> str:
        return _PACKAGE_IMAGE_LINK.sub(lambda m: m.group(1) + mapping.get(m.group(2), m.group(2)), text)

    lessons = tuple(dataclasses.replace(ls, body_md=fix(ls.body_md), body_html=render_markdown(fix(ls.body_md)))
                    for ls in spec.lessons)
    return dataclasses.replace(spec, lessons=lessons)


def import_package(session: Session, spec: CourseSpec, images: dict[str, bytes], *, media_folder: str | Path,
                   now: datetime, user=None, publish: bool, force: bool = False) -> catalog.ImportResult:
    """Import a validated package and its images. Images named like ours
    (exported from a platform) keep their name so links stay identical;
    others get a random name and the lesson links are rewritten.
    `publish`: trusted CLI imports publish; browser imports make a draft.
    `force`: publish even over a version the platform published itself."""
    import hashlib

    source = hashlib.sha256(content_hash(spec).encode())
    for path in sorted(images):
        source.update(path.encode() + b"\0" + hashlib.sha256(images[path]).digest())
    problems: list[Problem] = []
    checked: dict[str, bytes] = {}
    for path, data in sorted(images.items()):
        try:
            check_image(data, path.rsplit("/", 1)[-1])
            checked[path] = data
        except MediaRefused as exc:
            problems.append(Problem(path, None, None, str(exc) % exc.params if exc.params else str(exc)))
    if problems:
        raise AuthoringError(N_("The package has errors; nothing was imported."), problems=problems)

    def prepare(course: Course) -> CourseSpec:
        mapping: dict[str, str] = {}
        for path, data in checked.items():
            base = path.rsplit("/", 1)[-1]
            row = store_image(session, media_folder, data=data, filename=base, now=now,
                              user_id=getattr(user, "id", None), course_id=course.id, name=base)
            if row.name != base:
                mapping[path] = f"/media/{row.name}"
        return _rewrite_images(spec, mapping)

    try:
        result = catalog.import_course(session, spec, now=now, status="published" if publish else "draft",
                                       user_id=getattr(user, "id", None), source_hash=source.hexdigest(),
                                       prepare=prepare, force=force)
    except catalog.VersionStateError as exc:
        raise AuthoringError(str(exc)) from None
    if result.changed:
        if result.version is None:  # an imported package always has a version
            raise LookupError("the import made no version")
        record(session, result.course, action="package_imported", now=now, user=user, version=result.version,
               detail=("published" if result.version.status == "published" else "draft")
               + (" (new course)" if result.created else ""))
    return result


# ---- what changed --------------------------------------------------------------------------

# Diff units inside a changed line: one Han character (Chinese has no spaces
# between words), a word of letters or digits, a run of spaces, or one sign.
_DIFF_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_]+|\s+|.", re.UNICODE)


def _alike(old: str, new: str) -> bool:
    """Half the characters or more in common: worth showing word by word."""
    return difflib.SequenceMatcher(a=old, b=new, autojunk=False).ratio() >= 0.5


def _inline_diff(old: str, new: str) -> Markup:
    """One changed line with the changed words (characters in Chinese) marked."""
    a, b = _DIFF_TOKEN.findall(old), _DIFF_TOKEN.findall(new)
    parts: list[Markup] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(Markup("{}").format("".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(Markup('<del class="diff-word">{}</del>').format("".join(a[i1:i2])))
        if j2 > j1:
            parts.append(Markup('<ins class="diff-word">{}</ins>').format("".join(b[j1:j2])))
    return Markup('<span class="diff-changed">{}</span>').format(Markup("").join(parts))


def text_diff(old: str, new: str) -> Markup:
    """A diff as HTML: lines added, removed or kept, and in a line that changed,
    the words (Chinese: characters) that changed. Every piece of author text is
    escaped; only our own <ins>/<del>/<span> tags are markup."""
    old_lines, new_lines = (old or "").split("\n"), (new or "").split("\n")
    out: list[Markup] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(Markup('<span class="diff-same">{}</span>').format(line) for line in old_lines[i1:i2])
            continue
        # Lines changed one for one and still alike: the changed words inside
        # them; otherwise the old lines out and the new ones in.
        pairs = list(zip(old_lines[i1:i2], new_lines[j1:j2], strict=False)) if i2 - i1 == j2 - j1 else []
        if pairs and all(_alike(a, b) for a, b in pairs):
            out.extend(_inline_diff(a, b) for a, b in pairs)
            continue
        out.extend(Markup('<del class="diff-del">{}</del>').format(line) for line in old_lines[i1:i2])
        out.extend(Markup('<ins class="diff-ins">{}</ins>').format(line) for line in new_lines[j1:j2])
    return Markup("").join(out)


@dataclass
class LessonChange:
    slug: str
    title: str
    change: str  # added | removed | changed | moved
    diff: Markup | None = None
    title_before: str = ""


@dataclass
class QuestionChange:
    number: int | None
    text: str
    change: str  # added | removed | changed
    details: list[str] = field(default_factory=list)  # msgids already filled


@dataclass
class Diff:
    base: CourseVersion | None
    metadata: list[tuple[str, Markup]]  # (field, diff)
    lessons: list[LessonChange]
    quiz_settings: list[tuple[str, str, str]]  # (field, before, after)
    questions: list[QuestionChange]

    @property
    def empty(self) -> bool:
        return not (self.metadata or self.lessons or self.quiz_settings or self.questions)


_METADATA_FIELDS = ("title", "summary", "skill_type", "target_level", "language", "estimated_minutes", "schemes",
                    "audience", *TERMS_FIELDS, "certificate_validity_days")


def _meta_value(spec: CourseSpec, name: str, label: Callable[[str, str], str] | None = None) -> str:
    """A description field as text; vocabulary codes through `label` (the reader's words)."""
    if name in TERMS_FIELDS:
        return getattr(spec.terms, name)
    value = getattr(spec, name)
    name_of = (lambda code: label(name, code)) if label is not None else (lambda code: code)
    if isinstance(value, tuple):
        return ", ".join(name_of(v) for v in value)
    if name in _CODED_FIELDS and value is not None:
        return name_of(value)
    return "" if value is None else str(value)


def _option_desc(q: QuestionSpec, o: OptionSpec) -> str:
    if q.kind == "matching":
        return f"{o.text_md or '—'} → {o.match}"
    if q.kind == "numerical":
        what = "*" if o.min_value is None or o.max_value is None else f"{o.min_value:g} .. {o.max_value:g}"
    else:
        what = o.text_md
    weight = f" ({o.weight:g}%)" if o.weight is not None else ""
    return f"{'✓' if o.correct else '✗'} {what}{weight}" + (f" — {o.feedback_md}" if o.feedback_md else "")


def _options_desc(q: QuestionSpec) -> list[str]:
    extra = [f"units: {', '.join(f'{u.unit} ×{u.multiplier:g}' for u in q.units)}"] if q.units else []
    extra += [f"max_chars: {q.max_chars}"] if q.max_chars is not None else []
    return [_option_desc(q, o) for o in q.options] + extra


_CODED_FIELDS = ("skill_type", "target_level", "language")


def version_diff(session: Session, version: CourseVersion, *, label: Callable[[str, str], str] | None = None) -> Diff:
    """What `version` changes against the live version (or the latest one before it)."""
    base = catalog.published_version(session, version.course_id)
    if base is None or base.id == version.id:
        base = session.scalar(select(CourseVersion).where(CourseVersion.course_id == version.course_id,
                                                          CourseVersion.number < version.number)
                              .order_by(CourseVersion.number.desc()).limit(1))
    new = catalog.version_spec(version)
    old = catalog.version_spec(base) if base is not None else dataclasses.replace(
        new, title="", summary="", estimated_minutes=0, schemes=(), audience=(), terms=TermsOfReference(),
        lessons=(), quiz=None)
    metadata = [(name, text_diff(_meta_value(old, name, label), _meta_value(new, name, label)))
                for name in _METADATA_FIELDS if _meta_value(old, name) != _meta_value(new, name)]
    lessons: list[LessonChange] = []
    old_lessons = {ls.slug: ls for ls in old.lessons}
    new_order = [ls.slug for ls in new.lessons]
    old_order = [ls.slug for ls in old.lessons if ls.slug in set(new_order)]
    for ls in new.lessons:
        before = old_lessons.get(ls.slug)
        if before is None:
            lessons.append(LessonChange(ls.slug, ls.title, "added", text_diff("", ls.body_md)))
        elif (before.body_md, before.title, before.estimated_minutes) != (ls.body_md, ls.title, ls.estimated_minutes):
            lessons.append(LessonChange(ls.slug, ls.title, "changed", text_diff(before.body_md, ls.body_md),
                                        title_before=before.title if before.title != ls.title else ""))
    for ls in old.lessons:
        if ls.slug not in set(new_order):
            lessons.append(LessonChange(ls.slug, ls.title, "removed", text_diff(ls.body_md, "")))
    if [s for s in new_order if s in old_lessons] != old_order:
        lessons.append(LessonChange("", "", "moved"))
    quiz_settings: list[tuple[str, str, str]] = []
    questions: list[QuestionChange] = []
    oq, nq = old.quiz, new.quiz
    if oq is not None or nq is not None:
        for name in ("title", "pass_mark", "attempts_allowed", "shuffle_questions", "shuffle_options",
                     "time_limit_minutes", "questions_per_attempt"):
            a = "" if oq is None else str(getattr(oq, name) if getattr(oq, name) is not None else "")
            b = "" if nq is None else str(getattr(nq, name) if getattr(nq, name) is not None else "")
            if a != b:
                quiz_settings.append((name, a, b))
        for item in REVIEW_ITEMS:
            a = "" if oq is None else getattr(oq.review, item)
            b = "" if nq is None else getattr(nq.review, item)
            if a != b:
                quiz_settings.append((f"review: {item}", a, b))
        old_q = {q.text_md: q for q in (oq.questions if oq else ())}
        new_q = {q.text_md: q for q in (nq.questions if nq else ())}
        for number, q in enumerate(nq.questions if nq else (), start=1):
            earlier = old_q.get(q.text_md)
            if earlier is None:
                questions.append(QuestionChange(number, q.text_md, "added", _options_desc(q)))
                continue
            details = []
            if earlier.kind != q.kind:
                details.append(f"kind: {earlier.kind} → {q.kind}")
            if earlier.points != q.points:
                details.append(f"points: {earlier.points} → {q.points}")
            if earlier.feedback_md != q.feedback_md:
                details.append(f"feedback: {earlier.feedback_md or '—'} → {q.feedback_md or '—'}")
            if earlier.title != q.title:
                details.append(f"title: {earlier.title or '—'} → {q.title or '—'}")
            options_before, options_after = _options_desc(earlier), _options_desc(q)
            if options_before != options_after:
                details += [f"− {x}" for x in options_before if x not in options_after]
                details += [f"+ {x}" for x in options_after if x not in options_before]
                if sorted(options_before) == sorted(options_after):
                    details.append("options reordered")
            if details:
                questions.append(QuestionChange(number, q.text_md, "changed", details))
        for q in (oq.questions if oq else ()):
            if q.text_md not in new_q:
                questions.append(QuestionChange(None, q.text_md, "removed", _options_desc(q)))
    return Diff(base, metadata, lessons, quiz_settings, questions)



# ---- on-the-job tasks, the manager evaluation, completion rules (issue 15) ------------------

def _instructions(text: str, what: str) -> str:
    body = _norm(text)
    if not body:
        raise AuthoringError(N_("The instructions are empty."))
    problem = markdown_problem(body, what, max_chars=MAX_MARKDOWN_CHARS)
    if problem is not None:
        raise AuthoringError(N_("This text cannot be saved: %(problem)s"), problem=str(problem))
    return body


def _one_line_title(title: str) -> str:
    title = (title or "").strip()
    if not title or "\n" in title or len(title) > 200:
        raise AuthoringError(N_("Give it a title of one line (at most 200 characters)."))
    return title


def _task(title: str, slug: str, instructions: str) -> TaskSpec:
    body = _instructions(instructions, "instructions")
    return TaskSpec(slug=slug, title=_one_line_title(title), instructions_md=body, instructions_html=render_markdown(body))


def _save_activities(session: Session, course: Course, spec_change, *, user, now: datetime, detail: str) -> None:
    draft = draft_for_edit(session, course, user=user, now=now)
    spec = _spec(draft)
    changed = spec_change(spec)
    if changed == spec:
        return
    _save(session, draft, changed, now=now)
    record(session, course, action="activities_edited", now=now, user=user, version=draft, detail=detail)


def add_task(session: Session, course: Course, *, title: str, slug: str, instructions: str, user,
             now: datetime) -> TaskSpec:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.fullmatch(slug):
        raise AuthoringError(N_("The task's short name uses small letters, digits and '-' (e.g. visit)."))
    task = _task(title, slug, instructions)

    def change(spec: CourseSpec) -> CourseSpec:
        if any(t.slug == slug for t in spec.tasks):
            raise AuthoringError(N_("Another task already has the short name %(slug)s."), slug=slug)
        if len(spec.tasks) >= MAX_TASKS:
            raise AuthoringError(N_("A course has at most %(max)s tasks."), max=MAX_TASKS)
        return dataclasses.replace(spec, tasks=(*spec.tasks, task))

    _save_activities(session, course, change, user=user, now=now, detail=f"task {slug} added")
    return task


def update_task(session: Session, course: Course, slug: str, *, title: str, instructions: str, user,
                now: datetime) -> None:
    task = _task(title, slug, instructions)

    def change(spec: CourseSpec) -> CourseSpec:
        if not any(t.slug == slug for t in spec.tasks):
            raise AuthoringError(N_("There is no such task in the draft."))
        return dataclasses.replace(spec, tasks=tuple(task if t.slug == slug else t for t in spec.tasks))

    _save_activities(session, course, change, user=user, now=now, detail=f"task {slug} edited")


def remove_task(session: Session, course: Course, slug: str, *, user, now: datetime) -> None:
    def change(spec: CourseSpec) -> CourseSpec:
        if not any(t.slug == slug for t in spec.tasks):
            raise AuthoringError(N_("There is no such task in the draft."))
        return dataclasses.replace(spec, tasks=tuple(t for t in spec.tasks if t.slug != slug))

    _save_activities(session, course, change, user=user, now=now, detail=f"task {slug} removed")


def save_evaluation(session: Session, course: Course, *, title: str, instructions: str, max_score: int | None,
                    user, now: datetime) -> None:
    if max_score is not None and not 1 <= max_score <= 1000:
        raise AuthoringError(N_("The maximum score is between 1 and 1000, or empty for none."))
    body = _instructions(instructions, "instructions")
    evaluation = EvaluationSpec(title=_one_line_title(title), instructions_md=body,
                                instructions_html=render_markdown(body), max_score=max_score)
    _save_activities(session, course, lambda spec: dataclasses.replace(spec, evaluation=evaluation), user=user,
                     now=now, detail="evaluation saved")


def remove_evaluation(session: Session, course: Course, *, user, now: datetime) -> None:
    _save_activities(session, course, lambda spec: dataclasses.replace(spec, evaluation=None), user=user, now=now,
                     detail="evaluation removed")


def save_completion(session: Session, course: Course, *, rules: CompletionSpec, user, now: datetime) -> None:
    if not 0 <= rules.sessions <= 50:
        raise AuthoringError(N_("The number of sessions to attend is between 0 and 50."))
    _save_activities(session, course, lambda spec: dataclasses.replace(spec, completion=rules), user=user, now=now,
                     detail=f"completion rules: {dataclasses.asdict(rules)}")


# ---- review cycle (policy as of, review by) -----------------------------------------------

# A published course enters the authors' review queue (and they are reminded)
# this many days before its review date; the setting REVIEW_DUE_DAYS overrides it.
REVIEW_DUE_DAYS = 30


def check_review_dates(version: CourseVersion, live: CourseVersion | None, *, today: date) -> None:
    """The rule that keeps a course from being published again with stale dates.

    Publishing a version makes its own policy_as_of and review_by the course's
    (they are copied with the rest of its description), so the review cycle
    restarts from the version's dates. Therefore a version is submitted for
    review, and approved, only if:

    - its review_by, when set, is after `today` (a date already past would
      publish a course that is at once overdue); and
    - when the live version has a review_by, it has one too (the dates cannot
      be dropped to escape the cycle).

    A draft copied from a live version whose review date has passed carries
    that past date, so its authors must enter new dates in the course
    description before they can submit it. A course that was never dated may
    still be published without dates. Trusted command-line imports
    (`lms import-courses`) publish the package's dates as they are."""
    if version.review_by is not None and version.review_by <= today:
        raise AuthoringError(N_("The review date %(date)s is not in the future: give this version new policy and "
                                "review dates in the course description before it is published."),
                             date=version.review_by.isoformat())
    if version.review_by is None and live is not None and live.review_by is not None:
        raise AuthoringError(N_("The published version is to be reviewed by %(date)s: give this version its policy "
                                "and review dates in the course description before it is published."),
                             date=live.review_by.isoformat())


@dataclass(frozen=True)
class ReviewDue:
    course: Course
    review_by: date
    days_left: int  # negative: overdue by that many days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def _due_for_review(today: date, days: int):
    return (Course.status == "published", Course.review_by.is_not(None),
            Course.review_by <= today + timedelta(days=days))


def review_queue(session: Session, *, today: date, days: int = REVIEW_DUE_DAYS) -> list[ReviewDue]:
    """Published courses whose review date is past (overdue) or within `days`
    (due), soonest first. Drafts, courses in review and archived courses are not
    listed: only what learners see must be kept current."""
    courses = session.scalars(select(Course).where(*_due_for_review(today, days))
                              .order_by(Course.review_by, Course.code))
    return [ReviewDue(c, c.review_by, (c.review_by - today).days) for c in courses if c.review_by is not None]


def review_counts(session: Session, *, today: date, days: int = REVIEW_DUE_DAYS) -> tuple[int, int]:
    """(due, overdue): the courses of the review queue, counted by the database."""
    overdue = func.coalesce(func.sum(case((Course.review_by < today, 1), else_=0)), 0)
    total, late = session.execute(select(func.count(), overdue).where(*_due_for_review(today, days))).one()
    return int(total) - int(late), int(late)


@dataclass(frozen=True)
class ReviewReminder:
    course_id: int
    code: str
    title: str
    review_by: date
    overdue: bool
    user_id: int
    email: str
    language: str
    name: str

    @property
    def dedupe_key(self) -> str:
        """One message per course, per review date, per author, however often the job runs."""
        return f"review:{self.course_id}:{self.review_by.isoformat()}:{self.user_id}"


def _reachable_authors(session: Session) -> dict[int, User]:
    """Active people with an e-mail who may author (author or administrator role)."""
    users = session.scalars(select(User).where(
        User.status == "active", User.email != "",
        User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(("author", "admin"))))))
    return {u.id: u for u in users}


def review_reminders(session: Session, *, today: date, days: int = REVIEW_DUE_DAYS) -> list[ReviewReminder]:
    """The review reminders of the courses now in the review queue that are not
    queued yet. They go to the authors who worked on the course (its trail)
    and still may author; for a course nobody reachable worked on (imported
    from packages), to every active author."""
    due = review_queue(session, today=today, days=days)
    if not due:
        return []
    authors = _reachable_authors(session)
    everyone = sorted(set(session.scalars(select(UserRole.user_id).where(UserRole.role == "author"))) & set(authors))
    course_ids = [item.course.id for item in due]
    worked: dict[int, set[int]] = {}
    for course_id, user_id in session.execute(
            select(CourseEvent.course_id, CourseEvent.user_id).distinct().where(
                CourseEvent.course_id.in_(course_ids), CourseEvent.user_id.is_not(None),
                CourseEvent.action.in_(EDIT_ACTIONS | {"submitted"}))):
        if user_id in authors:
            worked.setdefault(course_id, set()).add(user_id)
    reminders = []
    for item in due:
        course = item.course
        for uid in sorted(worked.get(course.id) or everyone):
            user = authors[uid]
            reminders.append(ReviewReminder(course.id, course.code, course.title, item.review_by, item.overdue,
                                            uid, user.email, user.language, user.full_name or user.username))
    keys = [r.dedupe_key for r in reminders]
    queued = set(session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))))
    return [r for r in reminders if r.dedupe_key not in queued]
