"""Immutable description of a course package, as the loader produces it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = [
    "SKILL_TYPES",
    "TARGET_LEVELS",
    "SCHEMES",
    "STAFF_CATEGORIES",
    "LANGUAGES",
    "QUESTION_KINDS",
    "CHOICE_KINDS",
    "REVIEW_ITEMS",
    "REVIEW_TIMES",
    "TERMS_FIELDS",
    "TRUE_FALSE_LABELS",
    "MAX_QUESTIONS",
    "MAX_OPTIONS",
    "MAX_ESSAY_CHARS",
    "DEFAULT_ESSAY_CHARS",
    "TermsOfReference",
    "OptionSpec",
    "UnitSpec",
    "QuestionSpec",
    "ReviewSpec",
    "QuizSpec",
    "LessonSpec",
    "CourseSpec",
    "TaskSpec",
    "EvaluationSpec",
    "CompletionSpec",
    "MAX_TASKS",
    "content_hash",
]

SKILL_TYPES = ("transversal", "professional", "social-security")
TARGET_LEVELS = ("information", "capacity", "expertise")
SCHEMES = ("pension", "medical", "unemployment", "work_injury", "maternity")
STAFF_CATEGORIES = ("manager", "professional", "staff", "correspondent")
LANGUAGES = ("zh_CN", "en")
QUESTION_KINDS = ("single", "multiple", "true_false", "short_answer", "numerical", "matching", "essay")
# Kinds answered by choosing options (their options are shown to the learner).
CHOICE_KINDS = ("single", "multiple", "true_false")
# What a learner may see of a submitted attempt, and when (Moodle's review options).
REVIEW_ITEMS = ("score", "correctness", "right_answers", "feedback")
# when_finished: once the learner has passed the quiz, or has no attempt left (and none is open).
REVIEW_TIMES = ("immediately", "when_finished", "never")
TERMS_FIELDS = ("objectives", "target_publics", "conditions", "programme", "supports", "final_evaluation")

# Option texts of an expanded true_false question, (true, false), per language.
TRUE_FALSE_LABELS: dict[str, tuple[str, str]] = {"zh_CN": ("正确", "错误"), "en": ("True", "False")}

# Every question and option is rendered on import; these keep a 1 MB quiz file
# from becoming tens of thousands of renders. The authoring form offers 8 options.
MAX_QUESTIONS = 1_000
MAX_OPTIONS = 50
# An essay answer is at most this long (characters); a question may set less.
MAX_ESSAY_CHARS = 20_000
DEFAULT_ESSAY_CHARS = 5_000


@dataclass(frozen=True)
class TermsOfReference:
    """Terms of reference of a course; every field is Markdown and may be empty."""

    objectives: str = ""
    target_publics: str = ""
    conditions: str = ""
    programme: str = ""
    supports: str = ""
    final_evaluation: str = ""


@dataclass(frozen=True)
class OptionSpec:
    """One option of a choice question, one accepted answer of a short-answer or
    numerical question, or one pair (or distractor) of a matching question.

    - choice: `text_md` is shown; `correct` marks the key. With `weight` set (on
      every option of the question, percent -100..100) the question gives
      partial credit as Moodle does; `correct` then follows from the weights.
    - short_answer: `text_md` is the accepted answer, plain text (`*` matches
      anything); `weight` its credit (percent 0..100).
    - numerical: a number is accepted when min_value <= it <= max_value (both
      None: any other number, for its feedback); `weight` its credit.
    - matching: `text_md` is the item (Markdown; empty for a distractor) and
      `match` its answer (plain text).
    """

    text_md: str
    text_html: str
    correct: bool
    feedback_md: str
    feedback_html: str
    weight: float | None = None
    min_value: float | None = None
    max_value: float | None = None
    match: str = ""


@dataclass(frozen=True)
class UnitSpec:
    """A unit a numerical answer may be written in: the value in the question's
    first (base) unit times `multiplier` is the value in this unit."""

    unit: str
    multiplier: float


@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    text_md: str
    text_html: str
    feedback_md: str
    feedback_html: str
    points: int
    options: tuple[OptionSpec, ...]
    title: str = ""  # the author's name for the question (GIFT ::title::); never shown to learners
    units: tuple[UnitSpec, ...] = ()  # numerical
    max_chars: int | None = None  # essay: the longest answer accepted (default DEFAULT_ESSAY_CHARS)

    @property
    def weighted(self) -> bool:
        """A choice question that gives partial credit (Moodle's answer weights)."""
        return any(option.weight is not None for option in self.options)


@dataclass(frozen=True)
class ReviewSpec:
    """When a learner sees each part of a submitted attempt: one of REVIEW_TIMES each."""

    score: str = "immediately"
    correctness: str = "immediately"
    right_answers: str = "when_finished"
    feedback: str = "when_finished"


@dataclass(frozen=True)
class QuizSpec:
    title: str
    pass_mark: int
    attempts_allowed: int
    shuffle_questions: bool
    shuffle_options: bool
    time_limit_minutes: int | None
    questions_per_attempt: int | None
    questions: tuple[QuestionSpec, ...]
    review: ReviewSpec = ReviewSpec()


@dataclass(frozen=True)
class LessonSpec:
    slug: str
    position: int
    title: str
    body_md: str
    body_html: str
    estimated_minutes: int


# On-the-job tasks and the manager evaluation (issue 15).
MAX_TASKS = 20


@dataclass(frozen=True)
class TaskSpec:
    """An on-the-job task: the learner reports on work done; a manager marks it."""

    slug: str
    title: str
    instructions_md: str
    instructions_html: str


@dataclass(frozen=True)
class EvaluationSpec:
    """The final evaluation the course text describes, recorded by the learner's manager."""

    title: str
    instructions_md: str
    instructions_html: str
    max_score: int | None = None


@dataclass(frozen=True)
class CompletionSpec:
    """Which items a learner must finish to complete the course. `quiz`, `tasks`
    and `evaluation` apply only when the course has them; `sessions` is the
    number of classroom sessions to attend."""

    lessons: bool = True
    quiz: bool = True
    sessions: int = 0
    tasks: bool = True
    evaluation: bool = True


@dataclass(frozen=True)
class CourseSpec:
    code: str
    title: str
    summary: str
    skill_type: str
    target_level: str
    language: str
    estimated_minutes: int
    schemes: tuple[str, ...]
    audience: tuple[str, ...]
    terms: TermsOfReference
    lessons: tuple[LessonSpec, ...]
    quiz: QuizSpec | None
    # Relative paths of files under images/; not part of content_hash (their
    # bytes are not in the spec, so dump_package cannot write them back).
    images: tuple[str, ...] = ()
    tasks: tuple[TaskSpec, ...] = ()
    evaluation: EvaluationSpec | None = None
    completion: CompletionSpec = CompletionSpec()
    # Days a certificate of completion stays valid; None: it never expires.
    certificate_validity_days: int | None = None
    # The review cycle: the date the course's policy statements are correct as
    # of, and the date by which it must be reviewed again (after policy_as_of).
    policy_as_of: date | None = None
    review_by: date | None = None


# Fields added after packages were first hashed: left out of the hash while they
# hold their default, so a package that does not use them keeps its hash (and
# importing it again still changes nothing).
_HASHED_WHEN_SET = frozenset({"weight", "min_value", "max_value", "match", "title", "units", "max_chars", "review",
                              "tasks", "evaluation", "completion",
                              "certificate_validity_days", "policy_as_of", "review_by"})


def _hashed(value: Any, f: dataclasses.Field[Any]) -> bool:
    if f.name.endswith("_html") or f.name == "images":
        return False
    return f.name not in _HASHED_WHEN_SET or getattr(value, f.name) != f.default


def _source_only(value: Any) -> Any:
    """Plain JSON-able structure without rendered HTML (derived data) or images."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _source_only(getattr(value, f.name)) for f in dataclasses.fields(value) if _hashed(value, f)}
    if isinstance(value, (tuple, list)):
        return [_source_only(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def content_hash(spec: CourseSpec) -> str:
    """sha256 hex digest of a canonical JSON of the spec's source fields."""
    canonical = json.dumps(_source_only(spec), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
