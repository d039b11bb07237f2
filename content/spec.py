"""Immutable description of a course package, as the loader produces it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SKILL_TYPES",
    "TARGET_LEVELS",
    "SCHEMES",
    "STAFF_CATEGORIES",
    "LANGUAGES",
    "QUESTION_KINDS",
    "TERMS_FIELDS",
    "TRUE_FALSE_LABELS",
    "MAX_QUESTIONS",
    "MAX_OPTIONS",
    "TermsOfReference",
    "OptionSpec",
    "QuestionSpec",
    "QuizSpec",
    "LessonSpec",
    "CourseSpec",
    "content_hash",
]

SKILL_TYPES = ("transversal", "professional", "social-security")
TARGET_LEVELS = ("information", "capacity", "expertise")
SCHEMES = ("pension", "medical", "unemployment", "work_injury", "maternity")
STAFF_CATEGORIES = ("manager", "professional", "staff", "correspondent")
LANGUAGES = ("zh_CN", "en")
QUESTION_KINDS = ("single", "multiple", "true_false")
TERMS_FIELDS = ("objectives", "target_publics", "conditions", "programme", "supports", "final_evaluation")

# Option texts of an expanded true_false question, (true, false), per language.
TRUE_FALSE_LABELS: dict[str, tuple[str, str]] = {"zh_CN": ("正确", "错误"), "en": ("True", "False")}

# Every question and option is rendered on import; these keep a 1 MB quiz file
# from becoming tens of thousands of renders. The authoring form offers 8 options.
MAX_QUESTIONS = 1_000
MAX_OPTIONS = 50


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
    text_md: str
    text_html: str
    correct: bool
    feedback_md: str
    feedback_html: str


@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    text_md: str
    text_html: str
    feedback_md: str
    feedback_html: str
    points: int
    options: tuple[OptionSpec, ...]


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


@dataclass(frozen=True)
class LessonSpec:
    slug: str
    position: int
    title: str
    body_md: str
    body_html: str
    estimated_minutes: int


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


def _source_only(value: Any) -> Any:
    """Plain JSON-able structure without rendered HTML (derived data) or images."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _source_only(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.name.endswith("_html") and f.name != "images"
        }
    if isinstance(value, (tuple, list)):
        return [_source_only(v) for v in value]
    return value


def content_hash(spec: CourseSpec) -> str:
    """sha256 hex digest of a canonical JSON of the spec's source fields."""
    canonical = json.dumps(_source_only(spec), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
