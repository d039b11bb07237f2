'''Load, validate and write back course packages.

Package format
==============

A course package is a folder (or a zip of one) holding::

    course.toml               required
    lessons/NN-slug.md        at least one
    quiz.toml                 optional
    images/...                optional; .png .jpg .jpeg .gif .webp files, listed but not used yet

Any other file is an error (OS junk such as ``.DS_Store``, ``Thumbs.db`` and
``__MACOSX/`` in zips is ignored). A zip whose files all sit in one top folder
that holds ``course.toml`` is accepted as if that folder were the root.
No file may exceed 2 MB and the whole package may not exceed 20 MB. Every text
file must be UTF-8 (a leading BOM is tolerated).

Limits that keep the work of one import bounded (a package past them is
refused with one clear problem, before the costly part is done):

- at most 2,000 files and folders (zip entries, OS junk included);
- course.toml, quiz.toml and the lessons together at most 1 MB;
- TOML arrays and inline tables nested at most 20 deep;
- a quiz has at most 1,000 questions, a question at most 50 options;
- a lesson body at most 100,000 characters, any other Markdown field at most
  20,000; lists and block quotes nested at most 8 deep; at most 5,000 raw
  HTML tags in one text (see content.render.markdown_problem).

At most 50 problems are listed; a last one says how many more there were.

``course.toml``::

    code = "SS-PEN-101"            # required, [A-Z0-9-]{2,32}
    title = "养老保险基础"           # required, one line
    summary = "..."                # Markdown, optional
    skill_type = "social-security" # required: transversal | professional | social-security
    target_level = "information"   # required: information | capacity | expertise
    language = "zh_CN"             # required: zh_CN | en
    estimated_minutes = 90         # optional int > 0; default = sum of the lessons' minutes
    schemes = ["pension"]          # optional: pension | medical | unemployment | work_injury | maternity
    audience = ["staff", "correspondent"]  # optional: manager | professional | staff | correspondent;
                                   # empty = everyone
    certificate_validity_days = 730  # optional int 1-36500: days a certificate stays valid; default never expires
    policy_as_of = 2026-11-01      # optional TOML date: the policy the course states is that in force on it
    review_by = 2027-11-01         # optional TOML date, after policy_as_of: review the course by then
    [terms]                        # terms of reference, all optional Markdown strings
    objectives = "..."
    target_publics = "..."
    conditions = "..."
    programme = "..."
    supports = "..."
    final_evaluation = "..."

``lessons/NN-slug.md``: NN is a two-digit position (00-99, unique), slug is
``[a-z0-9][a-z0-9-]*`` (unique). The file is Markdown. It may start with TOML
front matter between two lines that are exactly ``+++``::

    +++
    title = "什么是养老保险"
    estimated_minutes = 10
    +++

Without a front-matter ``title`` the first line must be a ``# Title`` heading; it
becomes the title and is removed from the body so it is not shown twice. The
body must not be empty. ``estimated_minutes`` defaults to the reading time (Chinese characters / 400 + words / 200),
at least 1.

``quiz.toml``::

    title = "测验"                  # required
    pass_mark = 60                 # percent 0-100 of the weighted score, default 60
    attempts_allowed = 0           # >= 0, 0 = unlimited (default)
    shuffle_questions = false      # default false
    shuffle_options = false        # default false
    time_limit_minutes = 20        # optional, > 0
    questions_per_attempt = 10     # optional, 1..number of questions: draw N at random

    [review]                       # optional: what a learner sees of a submitted attempt, and when:
    score = "immediately"          #   immediately | when_finished | never
    correctness = "immediately"    #   (when_finished: after a pass, or when no attempt is left)
    right_answers = "when_finished"
    feedback = "when_finished"     # option, answer and question feedback

    [[questions]]
    kind = "single"                # single | multiple | true_false | short_answer | numerical | matching | essay
    text = "Markdown"              # required
    title = "..."                  # optional: the author's name for it, never shown to learners
    feedback = "Markdown"          # optional, shown after submission (see [review])
    points = 1                     # optional int > 0, default 1

    [[questions.options]]          # single/multiple: at least 2 options
    text = "Markdown"              # required
    correct = true                 # optional, default false
    weight = 50                    # instead of `correct`: partial credit in percent, -100..100
    feedback = "Markdown"          # optional

    [[questions]]
    kind = "true_false"            # no options: `answer` instead
    text = "..."
    answer = true                  # required
    feedback_true = "..."          # optional: feedback of the "true" option
    feedback_false = "..."         # optional: feedback of the "false" option

    [[questions]]
    kind = "short_answer"
    text = "..."
    [[questions.answers]]          # at least one, one of them at weight 100
    text = "北京"                   # plain text; * matches any text, \\* is a literal *
    weight = 100                   # percent 0-100, default 100
    feedback = "..."

    [[questions]]
    kind = "numerical"
    text = "..."
    units = [{ unit = "元", multiplier = 1 }, { unit = "万元", multiplier = 0.0001 }]  # optional
    [[questions.answers]]          # at least one at weight 100; the first that holds counts
    value = 3000                   # with `tolerance` (default 0) ...
    tolerance = 50
    # min = 2950                   # ... or a range
    # max = 3050
    # other = true                 # or: any other number (for its feedback; weight default 0)
    weight = 100
    feedback = "..."

    [[questions]]
    kind = "matching"
    text = "..."
    distractors = ["..."]          # optional: extra wrong answers (plain text)
    [[questions.pairs]]            # at least 2
    text = "Markdown"              # the item
    match = "plain text"           # its answer

    [[questions]]
    kind = "essay"                 # graded later by a person
    text = "..."
    max_chars = 2000               # optional, 1-20000, default 5000

A single-choice question needs exactly one correct option, a multiple-choice
question at least one. With weights (Moodle's partial credit) a single-choice
question needs an option at 100 and a multiple-choice question positive
weights that add up to 100; a negative weight takes credit away, never below
0 for the question. A true_false question is expanded into two options,
"正确"/"错误" (zh_CN) or "True"/"False" (en), true first. Short-answer and
numerical questions need an answer at weight 100 (so full marks are possible);
a matching question at least 2 pairs; the first unit of a numerical question
is its base unit (multiplier 1).

Text normalisation: line endings become ``\\n``; Markdown fields lose leading
blank lines and trailing whitespace; titles are stripped and must be one line.

Errors: every problem found is reported at once, as ``PackageInvalid.problems``,
each naming the file, the line where it can be found, and the field, e.g.
``quiz.toml:12: questions[2].options: a single-choice question needs exactly one
correct option`` (indices are 1-based). Unknown keys are errors, so typos
cannot pass silently.
'''

from __future__ import annotations

import dataclasses
import difflib
import html
import io
import math
import os
import re
import struct
import tomllib
import zipfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from content.grading import MAX_TEXT_ANSWER_CHARS, normalise_answer, numerical_range, numerical_value, parse_number
from content.problems import MAX_LISTED_PROBLEMS, PackageInvalid, Problem, field_name
from content.render import (
    MAX_MARKDOWN_CHARS,
    MAX_SHORT_MARKDOWN_CHARS,
    MarkdownProblem,
    markdown_problem,
    render_checked,
    render_inline,
    render_markdown,
)
from content.spec import (
    LANGUAGES,
    MAX_ESSAY_CHARS,
    MAX_OPTIONS,
    MAX_QUESTIONS,
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
)
from content.toml_lines import TomlLines
from content.toml_writer import dumps

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_PACKAGE_BYTES",
    "MAX_PACKAGE_ENTRIES",
    "MAX_TEXT_BYTES",
    "MAX_TOML_NESTING",
    "IMAGE_EXTENSIONS",
    "load_package",
    "load_package_from_files",
    "load_package_zip",
    "dump_package",
    "normalise_markdown",
    "question_problems",
]

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_PACKAGE_BYTES = 20 * 1024 * 1024
# Files and folders in a package (zip entries, OS junk included). Real packages
# hold a few dozen; 200,000 empty entries took half a minute to list.
MAX_PACKAGE_ENTRIES = 2_000
# A zip's central directory is read whole before any entry: a small cap keeps a
# zip that under-declares its entry count from listing hundreds of thousands.
MAX_ZIP_DIRECTORY_BYTES = 1024 * 1024
# course.toml + quiz.toml + lessons together: all of it is parsed and rendered
# on import. The largest real course holds 50 KB; Markdown costs up to ~7 us a
# character, so this bounds the parsing of one import to a few seconds.
MAX_TEXT_BYTES = 1024 * 1024
# Arrays and inline tables inside each other; tomllib recurses on them (5,000
# levels raised RecursionError). Packages use 1.
MAX_TOML_NESTING = 20
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")
CHARS_PER_MINUTE = 400  # rough Chinese reading speed (characters)
WORDS_PER_MINUTE = 200  # rough English reading speed (words)
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")


def reading_minutes(body: str) -> int:
    """Minutes to read a lesson: Chinese characters at 400 a minute, other
    words at 200, so an English lesson is not timed as if each letter were a
    Chinese character."""
    cjk = len(_CJK_RE.findall(body))
    words = len(_WORD_RE.findall(_CJK_RE.sub(" ", body)))
    return max(1, math.ceil(cjk / CHARS_PER_MINUTE + words / WORDS_PER_MINUTE))

COURSE_FILE = "course.toml"
QUIZ_FILE = "quiz.toml"
LESSONS_DIR = "lessons/"
IMAGES_DIR = "images/"
TASKS_DIR = "tasks/"  # tasks/<slug>.md: the instructions of the [[tasks]] of course.toml

_CODE_RE = re.compile(r"^[A-Z0-9-]{2,32}$")
_LESSON_NAME_RE = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)\.md$")
_LEADING_BLANK_LINES_RE = re.compile(r"\A(?:[ \t]*\n)+")
_TOML_POSITION_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_FRONT_MATTER_FENCE = "+++"
# Junk that archivers and file managers add; ignoring it beats rejecting every zip made on a Mac.
_IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_IGNORED_PREFIXES = ("__MACOSX/",)

_COURSE_KEYS = (
    "code", "title", "summary", "skill_type", "target_level", "language",
    "estimated_minutes", "schemes", "audience", "terms",
    "tasks", "evaluation", "completion", "certificate_validity_days", "policy_as_of", "review_by",
)
_TASK_KEYS = ("slug", "title")
_EVALUATION_KEYS = ("title", "instructions", "max_score")
_COMPLETION_KEYS = ("lessons", "quiz", "sessions", "tasks", "evaluation")
_TASK_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_FRONT_MATTER_KEYS = ("title", "estimated_minutes")
_QUIZ_KEYS = (
    "title", "pass_mark", "attempts_allowed", "shuffle_questions", "shuffle_options",
    "time_limit_minutes", "questions_per_attempt", "review", "questions",
)
_QUESTION_KEYS = ("kind", "text", "title", "feedback", "points")
_KIND_KEYS: dict[str, tuple[str, ...]] = {
    "single": ("options",),
    "multiple": ("options",),
    "true_false": ("answer", "feedback_true", "feedback_false"),
    "short_answer": ("answers",),
    "numerical": ("answers", "units"),
    "matching": ("pairs", "distractors"),
    "essay": ("max_chars",),
}
_OPTION_KEYS = ("text", "correct", "weight", "feedback")
_SHORT_ANSWER_KEYS = ("text", "weight", "feedback")
_NUMERICAL_KEYS = ("value", "tolerance", "min", "max", "other", "weight", "feedback")
_UNIT_KEYS = ("unit", "multiplier")
_PAIR_KEYS = ("text", "match")
MAX_UNITS = 20
MAX_MATCH_CHARS = 200

_KeyPath = tuple[str | int, ...]  # e.g. ("questions", 1, "options")


def _heading_title(line: str) -> str:
    """The title of a `# Title` line (a closing run of #s removed), or "" if `line` is not one.

    Plain string operations: the regular expression this replaces backtracked
    quadratically on a first line with a long run of spaces.
    """
    if not line.startswith(("# ", "#\t")):
        return ""
    rest = line[1:].strip(" \t")
    unclosed = rest.rstrip("#")
    if unclosed != rest and unclosed[-1:] in (" ", "\t"):
        rest = unclosed
    return rest.strip()


def _leading_blank_lines(text: str) -> int:
    """How many lines normalise_markdown drops from the start of `text` (\\n line endings)."""
    match = _LEADING_BLANK_LINES_RE.match(text)
    return match.group().count("\n") if match else 0


def normalise_markdown(text: str) -> str:
    """Canonical form of a Markdown field: \\n line endings, no leading blank lines, no trailing whitespace."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _LEADING_BLANK_LINES_RE.sub("", text).rstrip()


# --------------------------------------------------------------------------- reporting


class _File:
    """Problem reporting for one file, with line lookup when the file is TOML."""

    def __init__(self, problems: list[Problem], name: str, lines: TomlLines | None = None) -> None:
        self.problems = problems
        self.name = name
        self.lines = lines

    @property
    def full(self) -> bool:
        """True once more problems were found than PackageInvalid lists: skip costly detail."""
        return len(self.problems) >= MAX_LISTED_PROBLEMS

    def add(self, path: _KeyPath, message: str, line: int | None = None) -> None:
        if line is None and self.lines is not None and path and not self.full:
            line = self.lines.line_of(path)
        self.problems.append(Problem(self.name, line, field_name(path), message))

    def add_markdown(self, path: _KeyPath, problem: MarkdownProblem, first_line: int | None = None) -> None:
        """Report refused Markdown; `first_line` is the file line where the text starts, when known."""
        if first_line is not None:
            line = first_line if problem.line is None else first_line + problem.line - 1
            self.add(path, problem.message, line=line)
        else:
            where = "" if problem.line is None else f" (line {problem.line} of the text)"
            self.add(path, problem.message + where)


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a date/time"


def _decode(out: _File, data: bytes) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        out.add((), f"file is not valid UTF-8 (byte {exc.start})", line=line)
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


_TOML_SPECIAL_RE = re.compile(r"""["'#\[\]{}]""")
_TOML_STRING_END_RE = {
    '"': re.compile(r'(?:[^"\\\n]|\\.)*"'),
    "'": re.compile(r"[^'\n]*'"),
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.DOTALL),
    "'''": re.compile(r"(?:[^']|'(?!''))*'''", re.DOTALL),
}


def _toml_nesting(text: str) -> tuple[int, int]:
    """(deepest nesting of arrays and inline tables, offset where it is first reached), in one pass.

    Strings and comments are skipped as TOML reads them; the scan stops at the
    first level past MAX_TOML_NESTING, and at an unterminated string (tomllib
    stops there too, with a syntax error).
    """
    depth = deepest = deepest_at = pos = 0
    while (match := _TOML_SPECIAL_RE.search(text, pos)) is not None:
        char, pos = match.group(), match.end()
        if char in "[{":
            depth += 1
            if depth > deepest:
                deepest, deepest_at = depth, match.start()
                if deepest > MAX_TOML_NESTING:
                    break
        elif char in "]}":
            depth = max(0, depth - 1)
        elif char == "#":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
        else:
            delimiter = char * 3 if text.startswith(char * 2, pos) else char
            closed = _TOML_STRING_END_RE[delimiter].match(text, pos + len(delimiter) - 1)
            if closed is None:
                break
            pos = closed.end()
            # A multi-line string may end with one or two quotes before its delimiter.
            extra = 0
            while len(delimiter) == 3 and extra < 2 and text.startswith(char, pos):
                pos, extra = pos + 1, extra + 1
    return deepest, deepest_at


def _parse_toml(out: _File, text: str, line_offset: int = 0) -> dict[str, Any] | None:
    deepest, at = _toml_nesting(text)
    if deepest > MAX_TOML_NESTING:
        out.add(
            (), f"arrays and inline tables are nested more than {MAX_TOML_NESTING} levels deep",
            line=text.count("\n", 0, at) + 1 + line_offset,
        )
        return None
    try:
        doc = tomllib.loads(text)
    except RecursionError:  # pragma: no cover - the scan above refuses such documents first
        out.add((), f"arrays and inline tables are nested more than {MAX_TOML_NESTING} levels deep")
        return None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION_RE.search(message)
        line: int | None = None
        if match:
            line = int(match.group(1)) + line_offset
            message = message[: match.start()] + f" (column {match.group(2)})"
        out.add((), f"invalid TOML: {message}", line=line)
        return None
    out.lines = TomlLines(text, line_offset)
    return doc


# --------------------------------------------------------------------------- typed field access


def _check_keys(out: _File, table: Mapping[str, Any], path: _KeyPath, allowed: tuple[str, ...], note: str = "") -> None:
    for key in table:
        if key in allowed:
            continue
        if out.full:  # not listed anyway: spare the spelling suggestion
            out.add(path + (key,), f"unknown key {key[:40]!r}{note}")
            continue
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; allowed keys: {', '.join(allowed)}"
        out.add(path + (key,), f"unknown key {key!r}{note}{hint}")


def _str(
    out: _File, table: Mapping[str, Any], path: _KeyPath, key: str, *, required: bool = False, title: bool = False
) -> str:
    """A string field; Markdown fields are normalised, titles stripped and checked to be one line."""
    if key not in table:
        if required:
            out.add(path + (key,), "required key is missing")
        return ""
    value: object = table[key]
    if not isinstance(value, str):
        out.add(path + (key,), f"must be a string, not {_toml_type(value)}")
        return ""
    if title:
        value = value.strip()
        if len(value.splitlines()) > 1:
            out.add(path + (key,), "must be a single line")
    else:
        value = normalise_markdown(value)
        problem = markdown_problem(value, key, max_chars=MAX_SHORT_MARKDOWN_CHARS) if value else None
        if problem is not None:
            out.add_markdown(path + (key,), problem)
            return ""  # reported; not worth rendering
    if required and not value:
        out.add(path + (key,), "must not be empty")
    return value


def _int(
    out: _File,
    table: Mapping[str, Any],
    path: _KeyPath,
    key: str,
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    if key not in table:
        return default
    value = table[key]
    # bool is an int subclass in Python; `points = true` is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, int):
        out.add(path + (key,), f"must be an integer, not {_toml_type(value)}")
        return default
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if maximum is None:
            out.add(path + (key,), f"must be at least {minimum}, not {value}")
        else:
            out.add(path + (key,), f"must be between {minimum} and {maximum}, not {value}")
        return default
    return value


def _bool(out: _File, table: Mapping[str, Any], path: _KeyPath, key: str, *, default: bool | None) -> bool | None:
    if key not in table:
        if default is None:
            out.add(path + (key,), "required key is missing (true or false)")
        return default
    value = table[key]
    if not isinstance(value, bool):
        out.add(path + (key,), f"must be true or false, not {_toml_type(value)}")
        return default
    return value


def _choice(out: _File, table: Mapping[str, Any], path: _KeyPath, key: str, choices: tuple[str, ...]) -> str | None:
    if key not in table:
        out.add(path + (key,), f"required key is missing (one of: {', '.join(choices)})")
        return None
    value = table[key]
    if not isinstance(value, str):
        out.add(path + (key,), f"must be a string, not {_toml_type(value)}")
        return None
    if value not in choices:
        out.add(path + (key,), f"{value!r} is not one of: {', '.join(choices)}")
        return None
    return value


def _choices(
    out: _File, table: Mapping[str, Any], path: _KeyPath, key: str, choices: tuple[str, ...]
) -> tuple[str, ...]:
    if key not in table:
        return ()
    value = table[key]
    if not isinstance(value, list):
        out.add(path + (key,), f"must be an array of strings, not {_toml_type(value)}")
        return ()
    kept: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or item not in choices:
            shown = repr(item) if isinstance(item, str) else _toml_type(item)
            out.add(path + (key, index), f"{shown} is not one of: {', '.join(choices)}")
        elif item in kept:
            out.add(path + (key, index), f"{item!r} is listed twice")
        else:
            kept.append(item)
    return tuple(kept)


def _date(out: _File, table: Mapping[str, Any], path: _KeyPath, key: str) -> date | None:
    """An optional TOML local date (2027-01-01, unquoted); a quoted ISO date is accepted too."""
    if key not in table:
        return None
    value = table[key]
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            out.add(path + (key,), f"{value[:40]!r} is not a date; write it as YYYY-MM-DD, e.g. 2027-01-01")
            return None
    if isinstance(value, datetime) or not isinstance(value, date):
        out.add(path + (key,), f"must be a date (YYYY-MM-DD, e.g. 2027-01-01), not {_toml_type(value)}")
        return None
    return value


def _tables(out: _File, table: Mapping[str, Any], path: _KeyPath, key: str) -> list[dict[str, Any]] | None:
    """An array of tables, or None (after reporting) when the key holds something else."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        out.add(path + (key,), f"must be an array of tables ([[{field_name(path + (key,))}]])")
        return None
    return value


# --------------------------------------------------------------------------- course.toml


def _parse_course(problems: list[Problem], data: bytes | None,
                  task_files: Mapping[str, bytes] | None = None) -> dict[str, Any] | None:
    out = _File(problems, COURSE_FILE)
    if data is None:
        out.add((), "course.toml is missing")
        return None
    text = _decode(out, data)
    doc = _parse_toml(out, text) if text is not None else None
    if doc is None:
        return None
    _check_keys(out, doc, (), _COURSE_KEYS)
    course: dict[str, Any] = {
        "code": _str(out, doc, (), "code", required=True, title=True),
        "title": _str(out, doc, (), "title", required=True, title=True),
        "summary": _str(out, doc, (), "summary"),
        "skill_type": _choice(out, doc, (), "skill_type", SKILL_TYPES),
        "target_level": _choice(out, doc, (), "target_level", TARGET_LEVELS),
        "language": _choice(out, doc, (), "language", LANGUAGES),
        "estimated_minutes": _int(out, doc, (), "estimated_minutes", minimum=1),
        "schemes": _choices(out, doc, (), "schemes", SCHEMES),
        "audience": _choices(out, doc, (), "audience", STAFF_CATEGORIES),
        "certificate_validity_days": _int(out, doc, (), "certificate_validity_days", minimum=1, maximum=36500),
        "policy_as_of": _date(out, doc, (), "policy_as_of"),
        "review_by": _date(out, doc, (), "review_by"),
    }
    if course["policy_as_of"] and course["review_by"] and course["review_by"] <= course["policy_as_of"]:
        out.add(("review_by",), f"must be after policy_as_of ({course['policy_as_of']}), "
                                f"not {course['review_by']}")
    if course["code"] and not _CODE_RE.match(course["code"]):
        out.add(("code",), f"{course['code']!r} must be 2-32 characters of A-Z, 0-9 and '-'")
    terms = doc.get("terms", {})
    if not isinstance(terms, dict):
        out.add(("terms",), f"must be a table ([terms]), not {_toml_type(terms)}")
        terms = {}
    _check_keys(out, terms, ("terms",), TERMS_FIELDS)
    course["terms"] = TermsOfReference(**{name: _str(out, terms, ("terms",), name) for name in TERMS_FIELDS})
    course["tasks"] = _parse_tasks(out, doc, dict(task_files or {}))
    course["evaluation"] = _parse_evaluation(out, doc)
    course["completion"] = _parse_completion(out, doc)
    return course


def _parse_tasks(out: _File, doc: Mapping[str, Any], task_files: dict[str, bytes]) -> tuple[TaskSpec, ...]:
    """[[tasks]] (slug, title), each with its instructions in tasks/<slug>.md."""
    tables = _tables(out, doc, (), "tasks") if "tasks" in doc else []
    tasks: list[TaskSpec] = []
    if tables and len(tables) > MAX_TASKS:
        out.add(("tasks",), f"at most {MAX_TASKS} tasks, not {len(tables)}")
        tables = []
    seen: set[str] = set()
    for i, table in enumerate(tables or [], start=1):
        path: _KeyPath = ("tasks", i)
        if not isinstance(table, dict):
            continue
        _check_keys(out, table, path, _TASK_KEYS)
        slug = _str(out, table, path, "slug", required=True, title=True)
        title = _str(out, table, path, "title", required=True, title=True)
        if slug and not _TASK_SLUG_RE.match(slug):
            out.add(path + ("slug",), f"{slug!r} must be lower-case letters, digits and '-'")
            continue
        if slug in seen:
            out.add(path + ("slug",), f"task {slug!r} is listed twice")
            continue
        seen.add(slug)
        name = f"{TASKS_DIR}{slug}.md"
        data = task_files.pop(name, None)
        if data is None:
            if slug:
                out.add(path + ("slug",), f"its instructions file {name} is missing")
            continue
        file = _File(out.problems, name)
        text = _decode(file, data)
        if text is None:
            continue
        body = normalise_markdown(text)
        if not body:
            file.add((), "task instructions are empty")
            continue
        body_html, problem = render_checked(body, "instructions", max_chars=MAX_MARKDOWN_CHARS)
        if problem is not None:
            file.add_markdown(("instructions",), problem, first_line=1)
            continue
        if title:
            tasks.append(TaskSpec(slug=slug, title=title, instructions_md=body, instructions_html=body_html))
    for name in sorted(task_files):
        out.problems.append(Problem(name, None, None, "no [[tasks]] entry of course.toml has this file's slug"))
    return tuple(tasks)


def _parse_evaluation(out: _File, doc: Mapping[str, Any]) -> EvaluationSpec | None:
    """[evaluation]: the final evaluation recorded by the learner's manager."""
    if "evaluation" not in doc:
        return None
    table = doc["evaluation"]
    if not isinstance(table, dict):
        out.add(("evaluation",), f"must be a table ([evaluation]), not {_toml_type(table)}")
        return None
    path: _KeyPath = ("evaluation",)
    _check_keys(out, table, path, _EVALUATION_KEYS)
    title = _str(out, table, path, "title", required=True, title=True)
    instructions = _str(out, table, path, "instructions", required=True)
    max_score = _int(out, table, path, "max_score", minimum=1, maximum=1000)
    if not title or not instructions:
        return None
    return EvaluationSpec(title=title, instructions_md=instructions, instructions_html=render_markdown(instructions),
                          max_score=max_score)


def _parse_completion(out: _File, doc: Mapping[str, Any]) -> CompletionSpec:
    """[completion]: which items are required (each defaults to CompletionSpec's)."""
    table = doc.get("completion", {})
    if not isinstance(table, dict):
        out.add(("completion",), f"must be a table ([completion]), not {_toml_type(table)}")
        return CompletionSpec()
    path: _KeyPath = ("completion",)
    _check_keys(out, table, path, _COMPLETION_KEYS)
    default = CompletionSpec()
    return CompletionSpec(
        lessons=bool(_bool(out, table, path, "lessons", default=default.lessons)),
        quiz=bool(_bool(out, table, path, "quiz", default=default.quiz)),
        sessions=_int(out, table, path, "sessions", default=default.sessions, minimum=0, maximum=50) or 0,
        tasks=bool(_bool(out, table, path, "tasks", default=default.tasks)),
        evaluation=bool(_bool(out, table, path, "evaluation", default=default.evaluation)),
    )


# --------------------------------------------------------------------------- lessons


def _parse_lesson(problems: list[Problem], name: str, position: int, slug: str, data: bytes) -> LessonSpec | None:
    out = _File(problems, name)
    text = _decode(out, data)
    if text is None:
        return None
    title, minutes = "", None
    lines = text.split("\n")
    if lines[0] == _FRONT_MATTER_FENCE:
        try:
            close = lines.index(_FRONT_MATTER_FENCE, 1)
        except ValueError:
            out.add((), "front matter opened with +++ is never closed by a +++ line", line=1)
            return None
        front = _parse_toml(out, "\n".join(lines[1:close]), line_offset=1)
        if front is None:
            return None
        _check_keys(out, front, (), _FRONT_MATTER_KEYS)
        title = _str(out, front, (), "title", title=True)
        minutes = _int(out, front, (), "estimated_minutes", minimum=1)
        raw_body, body_line = "\n".join(lines[close + 1 :]), close + 2
    else:
        raw_body, body_line = text, 1
    body, body_line = normalise_markdown(raw_body), body_line + _leading_blank_lines(raw_body)
    if not title:
        first, _, rest = body.partition("\n")
        heading = _heading_title(first)
        if heading:
            title, body, body_line = heading, normalise_markdown(rest), body_line + 1 + _leading_blank_lines(rest)
        else:
            out.add(("title",), "no title: add `title` in +++ front matter or start the lesson with a `# Title` line")
    if not body:
        out.add((), "lesson body is empty")
    if not title or not body:
        return None
    body_html, problem = render_checked(body, "body", max_chars=MAX_MARKDOWN_CHARS)
    if problem is not None:
        out.add_markdown(("body",), problem, first_line=body_line)
        return None
    if minutes is None:
        minutes = reading_minutes(body)
    return LessonSpec(
        slug=slug, position=position, title=title, body_md=body, body_html=body_html, estimated_minutes=minutes
    )


def _parse_lessons(problems: list[Problem], lesson_files: dict[str, bytes]) -> list[LessonSpec]:
    lessons: list[LessonSpec] = []
    positions: dict[int, str] = {}
    slugs: dict[str, str] = {}
    for name in sorted(lesson_files):
        match = _LESSON_NAME_RE.match(name[len(LESSONS_DIR) :])
        if match is None:  # the caller passes only well-named lesson files
            continue
        position, slug = int(match.group(1)), match.group(2)
        if position in positions:
            problems.append(Problem(name, None, None, f"lesson number {match.group(1)} is also used by {positions[position]}"))
        else:
            positions[position] = name
        if slug in slugs:
            problems.append(Problem(name, None, None, f"lesson slug {slug!r} is also used by {slugs[slug]}"))
        else:
            slugs[slug] = name
        lesson = _parse_lesson(problems, name, position, slug, lesson_files[name])
        if lesson is not None:
            lessons.append(lesson)
    if not lesson_files:
        problems.append(Problem(LESSONS_DIR, None, None, "a package needs at least one lesson (lessons/NN-slug.md)"))
    return sorted(lessons, key=lambda lesson: lesson.position)


# --------------------------------------------------------------------------- quiz.toml


def _number(
    out: _File, table: Mapping[str, Any], path: _KeyPath, key: str, *,
    minimum: float | None = None, maximum: float | None = None,
) -> float | None:
    """A finite number (integer or float) within [minimum, maximum], or None (absent, or reported)."""
    if key not in table:
        return None
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        out.add(path + (key,), f"must be a number, not {_toml_type(value)}")
        return None
    number = float(value)
    if not math.isfinite(number):
        out.add(path + (key,), "must be a finite number")
        return None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        low = "" if minimum is None else f"{minimum:g}"
        high = "" if maximum is None else f"{maximum:g}"
        out.add(path + (key,), f"must be between {low} and {high}, not {value}" if low and high
                else f"must be at least {low}, not {value}" if low else f"must be at most {high}, not {value}")
        return None
    return number


def _plain_line(out: _File, table: Mapping[str, Any], path: _KeyPath, key: str, max_chars: int) -> str:
    """A required one-line plain-text field (not Markdown): short answers, matching answers, units."""
    value = " ".join(_str(out, table, path, key, required=True, title=True).split())
    if len(value) > max_chars:
        out.add(path + (key,), f"is {len(value):,} characters long; the limit is {max_chars:,}")
        return ""
    return value


def _checked_tables(out: _File, table: Mapping[str, Any], path: _KeyPath, key: str) -> list[dict[str, Any]] | None:
    """The array of tables `key`, or None when it was refused (not tables, or too many)."""
    raw = _tables(out, table, path, key)
    if raw is not None and len(raw) > MAX_OPTIONS:
        out.add(path + (key,), f"a question has at most {MAX_OPTIONS} {key}, found {len(raw):,}")
        return None
    return raw


def _parse_options(out: _File, table: Mapping[str, Any], path: _KeyPath, kind: str) -> list[OptionSpec]:
    raw = _checked_tables(out, table, path, "options")
    if raw is None:
        return []
    weighted = any("weight" in item for item in raw)
    options: list[OptionSpec] = []
    for i, item in enumerate(raw):
        where = path + ("options", i)
        _check_keys(out, item, where, _OPTION_KEYS)
        text = _str(out, item, where, "text", required=True)
        feedback = _str(out, item, where, "feedback")
        weight: float | None = None
        if weighted:
            if "correct" in item:
                out.add(where + ("correct",), "give either `correct` or `weight` in a question, not both "
                                              "(with weights, the options with a positive weight are right)")
            weight = _number(out, item, where, "weight", minimum=-100, maximum=100) or 0.0
            correct = weight >= 100 if kind == "single" else weight > 0
        else:
            correct = bool(_bool(out, item, where, "correct", default=False))
        options.append(OptionSpec(text, render_inline(text), correct, feedback, render_markdown(feedback), weight=weight))
    where = path + ("options",)
    correct_count = sum(option.correct for option in options)
    if len(options) < 2:
        out.add(where, f"a {kind}-choice question needs at least 2 options, found {len(options)}")
    elif weighted:
        weights = [option.weight or 0.0 for option in options]
        if kind == "single" and max(weights) != 100:
            out.add(where, "with weights, a single-choice question needs an option at weight 100 (full marks)")
        positive = sum(w for w in weights if w > 0)
        if kind == "multiple" and abs(positive - 100) > 0.5:
            out.add(where, f"with weights, the positive weights of a multiple-choice question add up to 100, "
                           f"not {positive:g}")
    elif kind == "single" and correct_count != 1:
        out.add(where, f"a single-choice question needs exactly one correct option, found {correct_count}")
    elif kind == "multiple" and correct_count == 0:
        out.add(where, "a multiple-choice question needs at least one correct option")
    return options


def _full_marks_problem(out: _File, path: _KeyPath, options: list[OptionSpec]) -> None:
    if options and not any(option.weight == 100 for option in options):
        out.add(path + ("answers",), "one answer needs weight 100, so that full marks are possible")


def _parse_short_answers(out: _File, table: Mapping[str, Any], path: _KeyPath) -> list[OptionSpec]:
    raw = _checked_tables(out, table, path, "answers")
    if raw is None:
        return []
    options: list[OptionSpec] = []
    for i, item in enumerate(raw):
        where = path + ("answers", i)
        _check_keys(out, item, where, _SHORT_ANSWER_KEYS)
        text = _plain_line(out, item, where, "text", MAX_TEXT_ANSWER_CHARS)
        if text and not normalise_answer(text.replace("*", "")) and "*" not in text:
            out.add(where + ("text",), "is empty once spaces and punctuation are ignored")
        weight = _number(out, item, where, "weight", minimum=0, maximum=100)
        weight = 100.0 if weight is None else weight
        feedback = _str(out, item, where, "feedback")
        options.append(OptionSpec(text, html.escape(text), weight >= 100, feedback, render_markdown(feedback),
                                  weight=weight))
    if not raw:
        out.add(path + ("answers",), "a short-answer question needs at least one accepted answer ([[questions.answers]])")
    _full_marks_problem(out, path, options)
    return options


def _parse_numerical_answers(out: _File, table: Mapping[str, Any], path: _KeyPath) -> list[OptionSpec]:
    raw = _checked_tables(out, table, path, "answers")
    if raw is None:
        return []
    options: list[OptionSpec] = []
    for i, item in enumerate(raw):
        where = path + ("answers", i)
        _check_keys(out, item, where, _NUMERICAL_KEYS)
        other = bool(_bool(out, item, where, "other", default=False))
        given = [key for key in ("value", "tolerance", "min", "max") if key in item]
        low: float | None = None
        high: float | None = None
        if other:
            if given:
                out.add(where, f"an `other` answer (any other number) takes no {', '.join(given)}")
        elif "value" in item:
            if "min" in item or "max" in item:
                out.add(where, "give either `value` (with `tolerance`) or `min` and `max`, not both")
            value = _number(out, item, where, "value")
            tolerance = _number(out, item, where, "tolerance", minimum=0)
            if value is not None:
                low, high = numerical_range(value, tolerance or 0.0)
        elif "min" in item or "max" in item:
            if "tolerance" in item:
                out.add(where + ("tolerance",), "a range (`min`, `max`) takes no tolerance")
            low, high = _number(out, item, where, "min"), _number(out, item, where, "max")
            if "min" not in item or "max" not in item:
                out.add(where, "a range needs both `min` and `max`")
            elif low is not None and high is not None and low > high:
                out.add(where, f"min ({low:g}) is larger than max ({high:g})")
        else:
            out.add(where, "an answer needs `value` (and `tolerance`), or `min` and `max`, or `other = true`")
        weight = _number(out, item, where, "weight", minimum=0, maximum=100)
        weight = (0.0 if other else 100.0) if weight is None else weight
        feedback = _str(out, item, where, "feedback")
        options.append(OptionSpec("", "", weight >= 100, feedback, render_markdown(feedback), weight=weight,
                                  min_value=low, max_value=high))
    if not raw:
        out.add(path + ("answers",), "a numerical question needs at least one accepted answer ([[questions.answers]])")
    _full_marks_problem(out, path, options)
    return options


def _parse_units(out: _File, table: Mapping[str, Any], path: _KeyPath) -> list[UnitSpec]:
    raw = _tables(out, table, path, "units") or []
    if len(raw) > MAX_UNITS:
        out.add(path + ("units",), f"a question has at most {MAX_UNITS} units, found {len(raw):,}")
        return []
    units: list[UnitSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = path + ("units", i)
        _check_keys(out, item, where, _UNIT_KEYS)
        unit = _plain_line(out, item, where, "unit", 40)
        multiplier = _number(out, item, where, "multiplier")
        if multiplier is None:
            if "multiplier" not in item:
                out.add(where + ("multiplier",), "required key is missing")
            continue
        if multiplier <= 0:
            out.add(where + ("multiplier",), "must be greater than 0")
        elif i == 0 and multiplier != 1:
            out.add(where + ("multiplier",), "the first unit is the base unit: its multiplier is 1")
        if unit and parse_number("1" + unit, ()) is not None:
            out.add(where + ("unit",), f"{unit!r} would be read as part of the number")
        if unit.casefold() in seen:
            out.add(where + ("unit",), f"{unit!r} is listed twice")
        seen.add(unit.casefold())
        units.append(UnitSpec(unit, multiplier))
    return units


def _parse_pairs(out: _File, table: Mapping[str, Any], path: _KeyPath) -> list[OptionSpec]:
    raw = _checked_tables(out, table, path, "pairs")
    if raw is None:
        return []
    options: list[OptionSpec] = []
    for i, item in enumerate(raw):
        where = path + ("pairs", i)
        _check_keys(out, item, where, _PAIR_KEYS)
        text = _str(out, item, where, "text", required=True)
        match = _plain_line(out, item, where, "match", MAX_MATCH_CHARS)
        options.append(OptionSpec(text, render_inline(text), True, "", "", match=match))
    if len(options) < 2:
        out.add(path + ("pairs",), f"a matching question needs at least 2 pairs, found {len(options)}")
    distractors: list[OptionSpec] = []
    raw_distractors = table.get("distractors", [])
    if not isinstance(raw_distractors, list) or not all(isinstance(d, str) for d in raw_distractors):
        out.add(path + ("distractors",), "must be an array of strings")
    elif len(raw_distractors) + len(options) > MAX_OPTIONS:
        out.add(path + ("distractors",), f"a question has at most {MAX_OPTIONS} pairs and distractors together")
    else:
        for i, distractor in enumerate(raw_distractors):
            text = " ".join(distractor.split())
            if not text or "\n" in text or len(text) > MAX_MATCH_CHARS:
                out.add(path + ("distractors", i), f"must be one line of 1 to {MAX_MATCH_CHARS} characters")
            elif text in {option.match for option in options + distractors}:
                out.add(path + ("distractors", i), f"{text!r} is already an answer of the question")
            else:
                distractors.append(OptionSpec("", "", False, "", "", match=text))
    return options + distractors


def _parse_question(out: _File, table: dict[str, Any], path: _KeyPath, language: str) -> QuestionSpec | None:
    kind = _choice(out, table, path, "kind", QUESTION_KINDS)
    allowed: tuple[str, ...]
    if kind is not None:
        allowed, note = _QUESTION_KEYS + _KIND_KEYS[kind], f" for a {kind} question"
    else:  # unknown kind: do not pile up unknown-key noise on top
        allowed, note = _QUESTION_KEYS + tuple(k for keys in _KIND_KEYS.values() for k in keys), ""
    _check_keys(out, table, path, allowed, note)
    text = _str(out, table, path, "text", required=True)
    title = _str(out, table, path, "title", title=True)
    if len(title) > 200:
        out.add(path + ("title",), f"is {len(title):,} characters long; the limit is 200")
    feedback = _str(out, table, path, "feedback")
    points = _int(out, table, path, "points", default=1, minimum=1)
    options: list[OptionSpec] = []
    units: list[UnitSpec] = []
    max_chars: int | None = None
    if kind == "true_false":
        answer = _bool(out, table, path, "answer", default=None)
        labels = TRUE_FALSE_LABELS[language]
        feedbacks = (_str(out, table, path, "feedback_true"), _str(out, table, path, "feedback_false"))
        options = [
            OptionSpec(label, render_inline(label), answer is is_true, fb, render_markdown(fb))
            for label, is_true, fb in zip(labels, (True, False), feedbacks, strict=True)
        ]
        if answer is None:
            return None
    elif kind in ("single", "multiple"):
        options = _parse_options(out, table, path, kind)
    elif kind == "short_answer":
        options = _parse_short_answers(out, table, path)
    elif kind == "numerical":
        options = _parse_numerical_answers(out, table, path)
        units = _parse_units(out, table, path)
    elif kind == "matching":
        options = _parse_pairs(out, table, path)
    elif kind == "essay":
        max_chars = _int(out, table, path, "max_chars", minimum=1, maximum=MAX_ESSAY_CHARS)
    if kind is None or points is None:
        return None
    return QuestionSpec(kind, text, render_markdown(text), feedback, render_markdown(feedback), points, tuple(options),
                        title=title, units=tuple(units), max_chars=max_chars)


def _parse_review(out: _File, doc: Mapping[str, Any]) -> ReviewSpec:
    table = doc.get("review", {})
    if not isinstance(table, dict):
        out.add(("review",), f"must be a table ([review]), not {_toml_type(table)}")
        return ReviewSpec()
    _check_keys(out, table, ("review",), REVIEW_ITEMS)
    default = ReviewSpec()
    values = {item: (_choice(out, table, ("review",), item, REVIEW_TIMES) if item in table else None)
              for item in REVIEW_ITEMS}
    return ReviewSpec(**{item: value or getattr(default, item) for item, value in values.items()})


def _parse_quiz(problems: list[Problem], data: bytes, language: str) -> QuizSpec | None:
    out = _File(problems, QUIZ_FILE)
    text = _decode(out, data)
    doc = _parse_toml(out, text) if text is not None else None
    if doc is None:
        return None
    _check_keys(out, doc, (), _QUIZ_KEYS)
    title = _str(out, doc, (), "title", required=True, title=True)
    pass_mark = _int(out, doc, (), "pass_mark", default=60, minimum=0, maximum=100)
    attempts = _int(out, doc, (), "attempts_allowed", default=0, minimum=0)
    shuffle_questions = _bool(out, doc, (), "shuffle_questions", default=False)
    shuffle_options = _bool(out, doc, (), "shuffle_options", default=False)
    time_limit = _int(out, doc, (), "time_limit_minutes", minimum=1)
    review = _parse_review(out, doc)
    tables = _tables(out, doc, (), "questions")
    if tables is not None and len(tables) > MAX_QUESTIONS:
        out.add(("questions",), f"a quiz has at most {MAX_QUESTIONS:,} questions, found {len(tables):,}")
        return None
    raw_questions = tables or []
    if tables == []:
        out.add(("questions",), "a quiz needs at least one question ([[questions]])")
    questions = [_parse_question(out, q, ("questions", i), language) for i, q in enumerate(raw_questions)]
    per_attempt = _int(out, doc, (), "questions_per_attempt", minimum=1, maximum=max(1, len(raw_questions)))
    if None in questions:
        return None
    return QuizSpec(
        title=title,
        pass_mark=pass_mark if pass_mark is not None else 60,
        attempts_allowed=attempts if attempts is not None else 0,
        shuffle_questions=bool(shuffle_questions),
        shuffle_options=bool(shuffle_options),
        time_limit_minutes=time_limit,
        questions_per_attempt=per_attempt,
        questions=tuple(q for q in questions if q is not None),
        review=review,
    )


# --------------------------------------------------------------------------- whole package


def _is_ignored(path: str) -> bool:
    return path.startswith(_IGNORED_PREFIXES) or path.rsplit("/", 1)[-1] in _IGNORED_NAMES


def _unsafe_path_reason(path: str) -> str | None:
    if "\x00" in path:
        return "path contains a NUL character"
    if "\\" in path:
        return "path uses backslashes; use / as separator"
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        return "absolute paths are not allowed"
    parts = path.split("/")
    if ".." in parts:
        return "paths with '..' are not allowed"
    if any(part in ("", ".") for part in parts):
        return "path has an empty or '.' component"
    return None


def _strip_single_top_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    # Zipping a folder usually stores "myfolder/course.toml": treat myfolder as the root.
    if COURSE_FILE in files or not files:
        return files
    tops = {path.split("/", 1)[0] for path in files}
    if len(tops) != 1 or not all("/" in path for path in files):
        return files
    top = tops.pop()
    if f"{top}/{COURSE_FILE}" not in files:
        return files
    return {path[len(top) + 1 :]: data for path, data in files.items()}


def _size_problems(sizes: Mapping[str, int]) -> tuple[list[Problem], bool]:
    """Problems for oversized files, and whether the package as a whole is too big."""
    problems = [
        Problem(path, None, None, f"file is {size} bytes; the limit is {MAX_FILE_BYTES} bytes (2 MB)")
        for path, size in sorted(sizes.items())
        if size > MAX_FILE_BYTES
    ]
    total = sum(sizes.values())
    if total > MAX_PACKAGE_BYTES:
        problems.append(Problem("(package)", None, None, f"package is {total} bytes; the limit is {MAX_PACKAGE_BYTES} bytes (20 MB)"))
        return problems, True
    return problems, False


def _text_problem(files: Mapping[str, bytes]) -> Problem | None:
    size = sum(len(data) for path, data in files.items() if path in (COURSE_FILE, QUIZ_FILE) or path.startswith(LESSONS_DIR))
    if size <= MAX_TEXT_BYTES:
        return None
    return Problem(
        "(package)", None, None,
        f"course.toml, quiz.toml and lessons/ hold {size:,} bytes of text; the limit is {MAX_TEXT_BYTES:,} bytes (1 MB)",
    )


def _entries_problem(count: int, what: str, file: str = "(package)") -> Problem | None:
    if count <= MAX_PACKAGE_ENTRIES:
        return None
    return Problem(file, None, None, f"{what} holds {count:,} files and folders; the limit is {MAX_PACKAGE_ENTRIES:,}")


def _load(files: Mapping[str, bytes], problems: list[Problem]) -> CourseSpec:
    # Refused before anything is parsed: parsing and rendering cost grows with the text.
    too_much_text = _text_problem(files)
    if too_much_text is not None:
        raise PackageInvalid([*problems, too_much_text])
    lesson_files: dict[str, bytes] = {}
    task_files: dict[str, bytes] = {}
    images: list[str] = []
    for path in sorted(files):
        if path in (COURSE_FILE, QUIZ_FILE):
            continue
        if path.startswith(LESSONS_DIR):
            if _LESSON_NAME_RE.match(path[len(LESSONS_DIR) :]):
                lesson_files[path] = files[path]
            else:
                problems.append(
                    Problem(path, None, None, "badly named lesson file: expected lessons/NN-slug.md (e.g. lessons/01-intro.md)")
                )
        elif path.startswith(TASKS_DIR):
            task_files[path] = files[path]
        elif path.startswith(IMAGES_DIR):
            if path.lower().endswith(IMAGE_EXTENSIONS):
                images.append(path)
            else:
                problems.append(Problem(path, None, None, f"not an allowed image type ({', '.join(IMAGE_EXTENSIONS)})"))
        else:
            problems.append(
                Problem(path, None, None, "unexpected file: a package holds course.toml, quiz.toml, lessons/, tasks/ and images/ only")
            )

    course = _parse_course(problems, files.get(COURSE_FILE), task_files)
    language = course["language"] if course and course["language"] else LANGUAGES[0]
    lessons = _parse_lessons(problems, lesson_files)
    quiz = _parse_quiz(problems, files[QUIZ_FILE], language) if QUIZ_FILE in files else None

    if problems or course is None:
        raise PackageInvalid(problems)
    return CourseSpec(
        code=course["code"],
        title=course["title"],
        summary=course["summary"],
        skill_type=course["skill_type"],
        target_level=course["target_level"],
        language=course["language"],
        estimated_minutes=_course_minutes(files[COURSE_FILE], course["estimated_minutes"], lessons, quiz),
        schemes=course["schemes"],
        audience=course["audience"],
        terms=course["terms"],
        lessons=tuple(lessons),
        quiz=quiz,
        images=tuple(images),
        tasks=course["tasks"],
        evaluation=course["evaluation"],
        completion=course["completion"],
        certificate_validity_days=course["certificate_validity_days"],
        policy_as_of=course["policy_as_of"],
        review_by=course["review_by"],
    )


def _course_minutes(data: bytes, declared: int | None, lessons: list[LessonSpec], quiz: QuizSpec | None) -> int:
    """The course's minutes: its declared ``estimated_minutes``, or else the sum of its lessons' minutes.

    A declared total may count the quiz's time limit too. One further than
    max(10 minutes, 25 %) from the lessons (plus the quiz) is refused, so the
    catalogue never promises a time the lessons do not take.
    """
    lesson_minutes = sum(lesson.estimated_minutes for lesson in lessons)
    if declared is None:
        return lesson_minutes
    quiz_minutes = (quiz.time_limit_minutes or 0) if quiz is not None else 0
    most = lesson_minutes + quiz_minutes + max(10, (lesson_minutes + quiz_minutes) // 4)
    least = lesson_minutes - max(10, lesson_minutes // 4)
    if least <= declared <= most:
        return declared
    out = _File([], COURSE_FILE)
    text = _decode(out, data)
    out.lines = TomlLines(text) if text is not None else None
    quiz_note = f" (and the quiz {quiz_minutes})" if quiz_minutes else ""
    advice = f"at most {most}" if declared > most else f"at least {least}"
    out.add(
        ("estimated_minutes",),
        f"declared {declared} minutes, but the lessons take {lesson_minutes} minutes{quiz_note}; "
        f"declare {advice} or leave it out",
    )
    raise PackageInvalid(out.problems)


def load_package_from_files(files: Mapping[str, bytes]) -> CourseSpec:
    """Load a package from {relative path: bytes} (e.g. a zip's entries) without touching disk."""
    return _load_mapping(files, [])


def _load_mapping(files: Mapping[str, bytes], problems: list[Problem]) -> CourseSpec:
    too_many = _entries_problem(len(files), "the package")
    if too_many is not None:
        raise PackageInvalid([too_many])
    kept: dict[str, bytes] = {}
    for path, data in files.items():
        if path.endswith("/") or _is_ignored(path):  # directory entries, OS junk
            continue
        reason = _unsafe_path_reason(path)
        if reason:
            problems.append(Problem(path, None, None, reason))
        else:
            kept[path] = data
    kept = _strip_single_top_folder(kept)
    size_problems, too_big = _size_problems({path: len(data) for path, data in kept.items()})
    problems.extend(size_problems)
    if too_big:
        raise PackageInvalid(problems)
    kept = {path: data for path, data in kept.items() if len(data) <= MAX_FILE_BYTES}
    return _load(kept, problems)


_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"


def _zip_directory(data: bytes) -> tuple[int, int] | None:
    """(entries, central directory bytes) as the zip's end record declares them; None if there is none.

    Read as zipfile finds it (the last end record in the final 64 KB, and the
    zip64 record just before it when the counts overflow), but without parsing
    the central directory, which is the costly part.
    """
    at = data.rfind(_EOCD_SIGNATURE, max(0, len(data) - _EOCD.size - 0xFFFF))
    if at < 0 or at + _EOCD.size > len(data):
        return None
    fields = _EOCD.unpack_from(data, at)
    entries, size = int(fields[4]), int(fields[5])
    locator = at - _ZIP64_LOCATOR.size
    record = locator - _ZIP64_EOCD.size
    overflowed = entries == 0xFFFF or size == 0xFFFFFFFF
    if (
        overflowed
        and record >= 0
        and data[locator : locator + 4] == _ZIP64_LOCATOR_SIGNATURE
        and data[record : record + 4] == _ZIP64_EOCD_SIGNATURE
    ):
        fields64 = _ZIP64_EOCD.unpack_from(data, record)
        entries, size = int(fields64[7]), int(fields64[8])
    return entries, size


def _zip_problem(data: bytes) -> Problem | None:
    """Why a zip is refused before its directory is even read, or None."""
    if len(data) > MAX_PACKAGE_BYTES:
        return Problem("(zip)", None, None, f"the zip file is {len(data):,} bytes; the limit is {MAX_PACKAGE_BYTES:,} bytes (20 MB)")
    declared = _zip_directory(data)
    if declared is None:
        return None  # zipfile says what is wrong
    entries, size = declared
    too_many = _entries_problem(entries, "the zip", "(zip)")
    if too_many is not None:
        return too_many
    if size > MAX_ZIP_DIRECTORY_BYTES:
        return Problem(
            "(zip)", None, None, f"the zip's directory is {size:,} bytes; the limit is {MAX_ZIP_DIRECTORY_BYTES:,} bytes"
        )
    return None


def load_package_zip(data: bytes) -> CourseSpec:
    """Load a zipped package from memory, checking sizes before decompressing anything."""
    refused = _zip_problem(data)
    if refused is not None:
        raise PackageInvalid([refused])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise PackageInvalid([Problem("(zip)", None, None, f"not a valid zip file: {exc}")]) from None
    with archive:
        # The end record's count may lie; the directory as read is the truth.
        too_many = _entries_problem(len(archive.infolist()), "the zip", "(zip)")
        if too_many is not None:
            raise PackageInvalid([too_many])
        entries = [info for info in archive.infolist() if not info.is_dir()]
        # Declared sizes first, so a zip bomb is refused before it is inflated.
        problems, too_big = _size_problems({info.filename: info.file_size for info in entries})
        if too_big:
            raise PackageInvalid(problems)
        files: dict[str, bytes] = {}
        for info in entries:
            if info.file_size > MAX_FILE_BYTES:
                continue
            if info.filename in files:
                # Two entries with one name: which one "wins" differs between tools.
                problems.append(Problem(info.filename, None, None, "the zip holds this path twice"))
                continue
            try:
                with archive.open(info) as handle:
                    # Never trust the declared size: read at most one byte past the limit.
                    content = handle.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
                problems.append(Problem(info.filename, None, None, f"cannot read this zip entry: {exc}"))
                continue
            files[info.filename] = content
    return _load_mapping(files, problems)


def load_package(path: str | Path) -> CourseSpec:
    """Load a package from a folder on disk (or a .zip file)."""
    root = Path(path)
    if root.is_file():
        if root.stat().st_size > MAX_PACKAGE_BYTES:
            raise PackageInvalid([Problem(root.name, None, None, f"file is larger than {MAX_PACKAGE_BYTES} bytes (20 MB)")])
        return load_package_zip(root.read_bytes())
    if not root.is_dir():
        raise PackageInvalid([Problem(str(root), None, None, "no such package folder")])
    problems: list[Problem] = []
    sizes: dict[str, int] = {}
    seen = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        seen += len(dirnames) + len(filenames)
        too_many = _entries_problem(seen, "the package folder")
        if too_many is not None:  # stop walking: the count so far is enough to refuse
            raise PackageInvalid([too_many])
        dirnames.sort()
        for entry in sorted(filenames) + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            full = Path(dirpath) / entry
            rel = full.relative_to(root).as_posix()
            if _is_ignored(rel):
                continue
            # A symlink could pull in files from outside the package.
            if full.is_symlink():
                problems.append(Problem(rel, None, None, "symbolic links are not allowed in a package"))
                continue
            sizes[rel] = full.stat().st_size
    size_problems, too_big = _size_problems(sizes)
    problems.extend(size_problems)
    if too_big:
        raise PackageInvalid(problems)
    files = {rel: (root / rel).read_bytes() for rel, size in sizes.items() if size <= MAX_FILE_BYTES}
    return _load(files, problems)


# --------------------------------------------------------------------------- writing


def _course_document(spec: CourseSpec) -> dict[str, Any]:
    terms = {name: getattr(spec.terms, name) for name in TERMS_FIELDS if getattr(spec.terms, name)}
    return {
        "code": spec.code,
        "title": spec.title,
        "summary": spec.summary or None,
        "skill_type": spec.skill_type,
        "target_level": spec.target_level,
        "language": spec.language,
        "estimated_minutes": spec.estimated_minutes,
        "schemes": list(spec.schemes) or None,
        "audience": list(spec.audience) or None,
        "certificate_validity_days": spec.certificate_validity_days,
        "terms": terms or None,
        "tasks": [{"slug": t.slug, "title": t.title} for t in spec.tasks] or None,
        "evaluation": ({"title": spec.evaluation.title, "instructions": spec.evaluation.instructions_md,
                        "max_score": spec.evaluation.max_score} if spec.evaluation is not None else None),
        "completion": dataclasses.asdict(spec.completion) if spec.completion != CompletionSpec() else None,
        "policy_as_of": spec.policy_as_of,
        "review_by": spec.review_by,
    }


def _toml_number(value: float) -> int | float:
    """An integral value is written as an integer (weight = 50, not 50.0); both read back the same."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _answers_document(question: QuestionSpec) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = []
    for option in question.options:
        doc: dict[str, Any] = {}
        if question.kind == "short_answer":
            doc["text"] = option.text_md
        elif option.min_value is None or option.max_value is None:
            doc["other"] = True
        else:
            exact = numerical_value(option.min_value, option.max_value)
            if exact is None:
                doc.update(min=_toml_number(option.min_value), max=_toml_number(option.max_value))
            else:
                doc["value"] = _toml_number(exact[0])
                if exact[1]:
                    doc["tolerance"] = _toml_number(exact[1])
        doc["weight"] = _toml_number(option.weight if option.weight is not None else 100.0)
        doc["feedback"] = option.feedback_md or None
        answers.append(doc)
    return answers


def _question_document(question: QuestionSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "kind": question.kind,
        "title": question.title or None,
        "text": question.text_md,
        "feedback": question.feedback_md or None,
        "points": question.points,
    }
    if question.kind == "true_false":
        # Options of a true_false question are derived (labels depend on the
        # language), so only the answer and per-option feedback are written.
        true_option, false_option = question.options
        doc["answer"] = true_option.correct
        doc["feedback_true"] = true_option.feedback_md or None
        doc["feedback_false"] = false_option.feedback_md or None
    elif question.kind in ("single", "multiple"):
        weighted = question.weighted
        doc["options"] = [
            {"text": option.text_md,
             **({"weight": _toml_number(option.weight or 0.0)} if weighted else {"correct": option.correct}),
             "feedback": option.feedback_md or None}
            for option in question.options
        ]
    elif question.kind in ("short_answer", "numerical"):
        if question.units:
            doc["units"] = [{"unit": u.unit, "multiplier": _toml_number(u.multiplier)} for u in question.units]
        doc["answers"] = _answers_document(question)
    elif question.kind == "matching":
        distractors = [option.match for option in question.options if not option.text_md]
        doc["distractors"] = distractors or None
        doc["pairs"] = [{"text": option.text_md, "match": option.match} for option in question.options if option.text_md]
    elif question.kind == "essay":
        doc["max_chars"] = question.max_chars
    return doc


def _quiz_document(quiz: QuizSpec) -> dict[str, Any]:
    return {
        "title": quiz.title,
        "pass_mark": quiz.pass_mark,
        "attempts_allowed": quiz.attempts_allowed,
        "shuffle_questions": quiz.shuffle_questions,
        "shuffle_options": quiz.shuffle_options,
        "time_limit_minutes": quiz.time_limit_minutes,
        "questions_per_attempt": quiz.questions_per_attempt,
        "review": dataclasses.asdict(quiz.review) if quiz.review != ReviewSpec() else None,
        "questions": [_question_document(q) for q in quiz.questions],
    }


def question_problems(question: QuestionSpec, language: str) -> list[Problem]:
    """What a package would be refused for in `question` (an empty list: nothing),
    checked by writing it into a one-question quiz.toml and reading that back."""
    quiz = QuizSpec(title="-", pass_mark=60, attempts_allowed=0, shuffle_questions=False, shuffle_options=False,
                    time_limit_minutes=None, questions_per_attempt=None, questions=(question,))
    problems: list[Problem] = []
    _parse_quiz(problems, dumps(_quiz_document(quiz)).encode("utf-8"), language)
    return problems


def dump_package(spec: CourseSpec) -> dict[str, bytes]:
    """Write `spec` back as package files; load_package_from_files(dump_package(s)) has s's content_hash.

    Images are not included (the spec holds only their paths).
    """
    files = {COURSE_FILE: dumps(_course_document(spec)).encode("utf-8")}
    for lesson in spec.lessons:
        if not 0 <= lesson.position <= 99:
            raise ValueError(f"lesson position {lesson.position} does not fit NN")
        front = dumps({"title": lesson.title, "estimated_minutes": lesson.estimated_minutes})
        text = f"{_FRONT_MATTER_FENCE}\n{front}{_FRONT_MATTER_FENCE}\n\n{lesson.body_md}\n"
        files[f"{LESSONS_DIR}{lesson.position:02d}-{lesson.slug}.md"] = text.encode("utf-8")
    if spec.quiz is not None:
        files[QUIZ_FILE] = dumps(_quiz_document(spec.quiz)).encode("utf-8")
    for task in spec.tasks:
        files[f"{TASKS_DIR}{task.slug}.md"] = (task.instructions_md + "\n").encode("utf-8")
    return files


# --------------------------------------------------------------------------- images


def package_images_from_zip(data: bytes, spec: CourseSpec) -> dict[str, bytes]:
    """The bytes of a loaded zip package's images ({"images/x.png": bytes}).
    Call after load_package_zip succeeded (sizes and paths are already checked)."""
    files: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.is_dir() or _is_ignored(info.filename) or _unsafe_path_reason(info.filename):
                continue
            if info.file_size > MAX_FILE_BYTES:
                continue
            with archive.open(info) as handle:
                files[info.filename] = handle.read(MAX_FILE_BYTES + 1)
    files = _strip_single_top_folder(files)
    return {path: files[path] for path in spec.images if path in files}


def package_images_from_folder(path: str | Path, spec: CourseSpec) -> dict[str, bytes]:
    """The bytes of a loaded folder package's images."""
    root = Path(path)
    return {rel: (root / rel).read_bytes() for rel in spec.images}
