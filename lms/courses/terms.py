"""The six terms of reference of a course ("in every case", section 3.3.3.3
of the report; issue 15): which of them a course or a version leaves empty,
and their names for a message. No flask here (the names are lazy strings
translated when the message is shown)."""
from __future__ import annotations

from content.spec import TERMS_FIELDS
from lms.labels import TERMS_LABELS


def missing_terms(course_or_version) -> list[str]:
    """The terms of reference (TERMS_FIELDS) left empty by a version, or by a
    course's catalogue copy of its live version."""
    return [name for name in TERMS_FIELDS if not (getattr(course_or_version, f"{name}_md") or "").strip()]


class TermNames:
    """The names of terms of reference for a message: translated when the
    message is (the view formats it in the reader's language)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def __str__(self) -> str:
        return ", ".join(str(TERMS_LABELS[name]) for name in self.names)
