"""Validation problems reported by the package loader."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "PackageInvalid", "field_name"]


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
    """A package failed validation; `problems` lists everything found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        header = f"{count} problem{'s' if count != 1 else ''} in course package"
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
