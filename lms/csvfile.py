"""Reading CSV files for the imports (org units, people): decoding, the
header, rows with their line numbers, and the errors that refuse a whole file.
Pure: no flask, no database."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from lms.msgids import N_

MAX_NAME = 200


@dataclass(frozen=True)
class RowError:
    line: int  # 1 = the header line
    message: str  # a msgid with %(name)s placeholders (translated by the views)
    params: dict = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        return f"line {self.line}: " + (self.message % self.params if self.params else self.message)


class ImportInvalid(ValueError):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    enrolled: int = 0  # new assignment members after the import

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def refuse(errors: list[RowError]) -> None:
    """Raise ImportInvalid with every error of the file, sorted by line (the
    errors of one line keep their order), if there is any."""
    if errors:
        raise ImportInvalid(sorted(errors, key=lambda e: e.line))


def line_at(data: bytes, offset: int) -> int:
    """The line (1 = the first) holding byte `offset`, counting line ends as
    the CSV reader does: \\r\\n, \\n or \\r."""
    before = data[:offset]
    return 1 + before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n")


def decode(data: bytes | str) -> str:
    """UTF-8 with or without BOM; anything else is refused, at the line of
    the first bad byte (`byte`: its offset in the file)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bom = len(data) - len(exc.object)  # utf-8-sig reports offsets after the BOM
        raise ImportInvalid([RowError(line_at(exc.object, exc.start), N_("the file is not UTF-8 (byte %(byte)s); save it as 'CSV UTF-8'"),
                                      {"byte": bom + exc.start})]) from None


def read_rows(text: str, columns: tuple[str, ...], required: tuple[str, ...]) -> tuple[list[tuple[int, dict]], list[RowError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], [RowError(1, N_("the file is empty"))]
    except csv.Error as exc:
        return [], [RowError(1, N_("unreadable CSV: %(error)s"), {"error": str(exc)})]
    header = [h.strip().lower() for h in header]
    errors = []
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h and h not in columns]
    if missing:
        errors.append(RowError(1, N_("missing column(s): %(columns)s"), {"columns": ", ".join(missing)}))
    if unknown:
        errors.append(RowError(1, N_("unknown column(s): %(columns)s"), {"columns": ", ".join(unknown)}))
    if len(set(header)) != len(header):
        errors.append(RowError(1, N_("a column appears twice")))
    if errors:
        return [], errors
    rows = []
    try:
        end = reader.line_num  # the last physical line read so far
        for values in reader:
            line, end = end + 1, reader.line_num  # a row's line is its first (a quoted value may span lines)
            if not any(v.strip() for v in values):
                continue  # blank lines (Excel leaves some at the end)
            if len(values) > len(header):
                errors.append(RowError(line, N_("%(values)s values for %(columns)s columns"), {"values": len(values), "columns": len(header)}))
                continue
            values = values + [""] * (len(header) - len(values))
            rows.append((line, {k: v.strip() for k, v in zip(header, values, strict=True)}))
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, N_("unreadable CSV: %(error)s"), {"error": str(exc)}))
    if not rows and not errors:
        errors.append(RowError(1, N_("no data rows")))
    return rows, errors


def bad_choice(column: str, value: str, choices) -> tuple[str, dict]:
    if not value:
        return N_("%(column)s is required"), {"column": column}
    return N_("bad %(column)s %(value)s (one of: %(choices)s)"), {"column": column, "value": repr(value),
                                                                 "choices": ", ".join(choices)}
