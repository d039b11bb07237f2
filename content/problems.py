"""Validation problems reported by the package loader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["MAX_LISTED_PROBLEMS", "Problem", "PackageInvalid", "field_name"]

# A hostile package can have tens of thousands of problems; nobody reads past
# the first few dozen, and listing them all makes the error page the slow part.
MAX_LISTED_PROBLEMS = 50


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a package. `line` is 1-based; `field` uses 1-based indices."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class PackageInvalid(ValueError):
    """A package failed validation; `problems` lists what was found, not just the first.

    At most MAX_LISTED_PROBLEMS are kept; when there were more, a last problem
    says how many more there were, and `count` holds the total.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.count = len(problems)
        self.problems = list(problems[:MAX_LISTED_PROBLEMS])
        more = self.count - len(self.problems)
        if more > 0:
            self.problems.append(
                Problem("(package)", None, None, f"and {more:,} more problem{'s' if more != 1 else ''}, not listed")
            )
        header = f"{self.count:,} problem{'s' if self.count != 1 else ''} in course package"
        super().__init__("\n".join([header + ":", *(f"  {p}" for p in self.problems)]))


def field_name(path: tuple[str | int, ...]) -> str | None:
    """Render ("questions", 1, "options") as "questions[2].options" (indices shown 1-based, as authors count)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else part
    return out or None
