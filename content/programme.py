"""Programme packages: one `programme.toml` naming an ordered set of courses
(required and optional, with a minimum number of optional ones to complete).
Parse, validate and export. A pure library (no Flask, no database): whether
the courses exist is for the importer to check.

    code = "PG-TRAINER"                 # required, [A-Z0-9-]{2,32}
    title = "培训师培训"                  # required, one line
    description = \"\"\"Markdown\"\"\"       # optional
    audience = ["manager", "staff"]     # target staff categories (optional)
    professions = ["trainer"]           # target professions (optional)
    certificate_validity_days = 1095    # optional: no expiry when absent
    min_optional = 1                    # optional courses to complete (default 0)

    [[courses]]                         # in order, at least one
    code = "TR-TRAIN-201"
    required = true                     # default true
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from content.problems import Problem, field_name
from content.spec import STAFF_CATEGORIES
from content.toml_writer import dumps

__all__ = [
    "PROFESSIONS",
    "PROGRAMME_FILE",
    "MAX_PROGRAMME_COURSES",
    "MAX_PROGRAMME_BYTES",
    "ProgrammeCourseSpec",
    "ProgrammeInvalid",
    "ProgrammeSpec",
    "dump_programme",
    "load_programme",
    "load_programme_bytes",
]

# Professions and specialities a person may carry (the report's staff table):
# the HR and training professions, then the professionals' specialities.
PROFESSIONS = (
    "hr_manager", "training_manager", "training_engineer", "trainer",
    "accountancy", "it", "office_management", "education_training",
)
PROGRAMME_FILE = "programme.toml"
MAX_PROGRAMME_COURSES = 100
MAX_PROGRAMME_BYTES = 256 * 1024
MAX_DESCRIPTION_CHARS = 20_000
MAX_VALIDITY_DAYS = 36_500
_CODE_RE = re.compile(r"^[A-Z0-9-]{2,32}$")
_KEYS = ("code", "title", "description", "audience", "professions", "certificate_validity_days", "min_optional",
         "courses")
_COURSE_KEYS = ("code", "required")


@dataclass(frozen=True)
class ProgrammeCourseSpec:
    code: str
    required: bool = True


@dataclass(frozen=True)
class ProgrammeSpec:
    code: str
    title: str
    description: str = ""
    audience: tuple[str, ...] = ()
    professions: tuple[str, ...] = ()
    certificate_validity_days: int | None = None
    min_optional: int = 0
    courses: tuple[ProgrammeCourseSpec, ...] = ()

    @property
    def optional_count(self) -> int:
        return sum(1 for c in self.courses if not c.required)


class ProgrammeInvalid(ValueError):
    """A programme package failed validation; `problems` lists all that was found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems[:50]
        header = f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in programme package"
        super().__init__("\n".join([header + ":", *(f"  {p}" for p in self.problems)]))


class _Out:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(Problem(self.file, None, field_name(path), message))


def _text(out: _Out, doc: dict[str, Any], key: str, *, required: bool, one_line: bool, limit: int) -> str:
    value = doc.get(key, "")
    if not isinstance(value, str):
        out.add((key,), "must be a string")
        return ""
    text: str = value.strip()
    if required and not text:
        out.add((key,), "is required")
    if one_line and "\n" in text:
        out.add((key,), "must be one line")
    if len(text) > limit:
        out.add((key,), f"is longer than {limit:,} characters")
    return text


def _vocabulary(out: _Out, doc: dict[str, Any], key: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        out.add((key,), "must be a list of strings")
        return ()
    for v in value:
        if v not in allowed:
            out.add((key,), f"unknown value {v[:40]!r}; allowed: {', '.join(allowed)}")
    if len(set(value)) != len(value):
        out.add((key,), "lists a value twice")
    return tuple(v for v in allowed if v in value)


def _int(out: _Out, doc: dict[str, Any], key: str, *, low: int, high: int) -> int | None:
    if key not in doc:
        return None
    value = doc[key]
    if isinstance(value, bool) or not isinstance(value, int):
        out.add((key,), "must be a whole number")
        return None
    if not low <= value <= high:
        out.add((key,), f"must be between {low} and {high:,}")
        return None
    return value


def _courses(out: _Out, doc: dict[str, Any]) -> tuple[ProgrammeCourseSpec, ...]:
    raw = doc.get("courses")
    if raw is None:
        out.add(("courses",), "a programme needs at least one course ([[courses]] with a code)")
        return ()
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        out.add(("courses",), "must be an array of tables ([[courses]])")
        return ()
    if not raw:
        out.add(("courses",), "a programme needs at least one course ([[courses]] with a code)")
    if len(raw) > MAX_PROGRAMME_COURSES:
        out.add(("courses",), f"more than {MAX_PROGRAMME_COURSES} courses")
        return ()
    courses: list[ProgrammeCourseSpec] = []
    seen: set[str] = set()
    for i, table in enumerate(raw):
        for key in table:
            if key not in _COURSE_KEYS:
                out.add(("courses", i, key), f"unknown key {key[:40]!r}; allowed keys: {', '.join(_COURSE_KEYS)}")
        code = table.get("code")
        if not isinstance(code, str) or not _CODE_RE.match(code):
            out.add(("courses", i, "code"), "a course code of 2-32 characters of A-Z, 0-9 and '-' is required")
            continue
        required = table.get("required", True)
        if not isinstance(required, bool):
            out.add(("courses", i, "required"), "must be true or false")
            continue
        if code in seen:
            out.add(("courses", i, "code"), f"course {code} is listed twice")
            continue
        seen.add(code)
        courses.append(ProgrammeCourseSpec(code, required))
    return tuple(courses)


def load_programme_bytes(data: bytes, file: str = PROGRAMME_FILE) -> ProgrammeSpec:
    """Parse and validate a programme.toml; raises ProgrammeInvalid listing every problem."""
    out = _Out(file)
    if len(data) > MAX_PROGRAMME_BYTES:
        raise ProgrammeInvalid([Problem(file, None, None, f"larger than {MAX_PROGRAMME_BYTES // 1024} KB")])
    try:
        doc = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ProgrammeInvalid([Problem(file, None, None, "not UTF-8 text")]) from None
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ProgrammeInvalid([Problem(file, None, None, f"invalid TOML: {str(exc)[:200]}")]) from None
    for key in doc:
        if key not in _KEYS:
            out.add((key[:40],), f"unknown key; allowed keys: {', '.join(_KEYS)}")
    code = _text(out, doc, "code", required=True, one_line=True, limit=32)
    if code and not _CODE_RE.match(code):
        out.add(("code",), f"{code!r} must be 2-32 characters of A-Z, 0-9 and '-'")
    title = _text(out, doc, "title", required=True, one_line=True, limit=200)
    description = _text(out, doc, "description", required=False, one_line=False, limit=MAX_DESCRIPTION_CHARS)
    audience = _vocabulary(out, doc, "audience", STAFF_CATEGORIES)
    professions = _vocabulary(out, doc, "professions", PROFESSIONS)
    validity = _int(out, doc, "certificate_validity_days", low=1, high=MAX_VALIDITY_DAYS)
    min_optional = _int(out, doc, "min_optional", low=0, high=MAX_PROGRAMME_COURSES) or 0
    courses = _courses(out, doc)
    spec = ProgrammeSpec(code, title, description, audience, professions, validity, min_optional, courses)
    if courses and min_optional > spec.optional_count:
        out.add(("min_optional",), f"asks for {min_optional} optional course(s) but the programme lists "
                                   f"{spec.optional_count}")
    if courses and not any(c.required for c in courses) and min_optional < 1:
        out.add(("min_optional",), "with no required course, at least one optional course must be asked for")
    if out.problems:
        raise ProgrammeInvalid(out.problems)
    return spec


def load_programme(path: str | Path) -> ProgrammeSpec:
    """A programme.toml file, or a folder holding one."""
    path = Path(path)
    if path.is_dir():
        path = path / PROGRAMME_FILE
    return load_programme_bytes(path.read_bytes(), path.name)


def dump_programme(spec: ProgrammeSpec) -> bytes:
    """The programme.toml of a spec; load_programme_bytes(dump_programme(s)) == s."""
    doc: dict[str, Any] = {"code": spec.code, "title": spec.title}
    if spec.description:
        doc["description"] = spec.description
    doc["audience"] = list(spec.audience)
    doc["professions"] = list(spec.professions)
    if spec.certificate_validity_days is not None:
        doc["certificate_validity_days"] = spec.certificate_validity_days
    doc["min_optional"] = spec.min_optional
    doc["courses"] = [{"code": c.code, "required": c.required} for c in spec.courses]
    return dumps(doc).encode("utf-8")
