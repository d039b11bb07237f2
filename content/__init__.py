"""Course packages: parse, validate, render and sanitise. A pure library (no Flask, no database)."""

from content.loader import (
    IMAGE_EXTENSIONS,
    MAX_FILE_BYTES,
    MAX_PACKAGE_BYTES,
    dump_package,
    load_package,
    load_package_from_files,
    load_package_zip,
    normalise_markdown,
)
from content.problems import PackageInvalid, Problem
from content.render import render_inline, render_markdown
from content.sanitize import sanitize_html
from content.spec import (
    LANGUAGES,
    QUESTION_KINDS,
    SCHEMES,
    SKILL_TYPES,
    STAFF_CATEGORIES,
    TARGET_LEVELS,
    TERMS_FIELDS,
    TRUE_FALSE_LABELS,
    CourseSpec,
    LessonSpec,
    OptionSpec,
    QuestionSpec,
    QuizSpec,
    TermsOfReference,
    content_hash,
)

__all__ = [
    "IMAGE_EXTENSIONS",
    "LANGUAGES",
    "MAX_FILE_BYTES",
    "MAX_PACKAGE_BYTES",
    "QUESTION_KINDS",
    "SCHEMES",
    "SKILL_TYPES",
    "STAFF_CATEGORIES",
    "TARGET_LEVELS",
    "TERMS_FIELDS",
    "TRUE_FALSE_LABELS",
    "CourseSpec",
    "LessonSpec",
    "OptionSpec",
    "PackageInvalid",
    "Problem",
    "QuestionSpec",
    "QuizSpec",
    "TermsOfReference",
    "content_hash",
    "dump_package",
    "load_package",
    "load_package_from_files",
    "load_package_zip",
    "normalise_markdown",
    "render_inline",
    "render_markdown",
    "sanitize_html",
]
