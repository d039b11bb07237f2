"""Report tables as CSV and XLSX.

A table has a file name stem, a title row (the report, then the unit, period
or learner it covers), typed columns and rows of plain values: str, int,
float (a share 0..1 in a percentage column), date, or None for a missing
figure. Rows may be any iterable, a generator included, and both formats
consume them once, front to back, keeping no more than a few rows: an export
of 100,000 learners needs no more memory than one of 50.

- CSV (`csv_chunks`): UTF-8 with a BOM (Excel then reads Chinese names), the
  header row then the data, text as the page shows it (percentages "8.3%",
  ISO dates), missing figures empty. No title row: the first line stays the
  header, for whatever imports the file.
- XLSX (`write_xlsx`, openpyxl's write-only workbook, which spools rows to a
  temporary file): the title row, the header row (both frozen), then typed
  cells (numbers, percentages and dates carry number formats; missing
  figures are empty cells); column widths from the header and the first rows.

Every text cell that a spreadsheet would read as a formula (= + - @ tab CR
at the start) is neutralised with a leading apostrophe, in both formats.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain, islice
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from lms.zones import local_date

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")

# Column kinds: how a value is written and formatted.
TEXT, INT, NUMBER, PERCENT, DATE, MONTH = "text", "int", "number", "percent", "date", "month"
NUMBER_FORMATS = {NUMBER: "0.0", PERCENT: "0.0%", DATE: "yyyy-mm-dd", MONTH: "yyyy-mm"}  # counts: General
MIN_WIDTH = {TEXT: 8, INT: 8, NUMBER: 8, PERCENT: 8, DATE: 11, MONTH: 8}
MAX_WIDTH = 60
WIDTH_SAMPLE = 200  # rows looked at for the column widths
CSV_CHUNK = 64 * 1024  # characters per piece of a streamed CSV

SHEET_TITLE_FORBIDDEN = re.compile(r"[:\\/?*\[\]]")


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT

    def __str__(self) -> str:  # templates print a column as its label
        return self.label


@dataclass
class ExportTable:
    name: str  # file name stem (may hold any character; made safe when sent)
    title: str  # the report's name
    columns: list[Column | str]  # a plain label is a text column
    rows: Iterable[Sequence[Any]]
    context: list[str] = field(default_factory=list)  # unit, period, learner: after the title, in the title row

    def __post_init__(self) -> None:
        self.columns = [c if isinstance(c, Column) else Column(str(c)) for c in self.columns]

    @property
    def kinds(self) -> list[str]:
        return [c.kind if isinstance(c, Column) else TEXT for c in self.columns]

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.columns]

    @property
    def heading(self) -> str:
        """The title row: the report, then the unit, period or learner."""
        return " · ".join([self.title, *[c for c in self.context if c]])

    def text_rows(self, missing: str = "—") -> list[list[str]]:
        """The rows as a page shows them (rows must be a list, not a generator)."""
        kinds = self.kinds
        return [[text_of(v, k, missing) for v, k in zip(row, kinds, strict=True)] for row in self.rows]


def neutralise(value):
    if isinstance(value, str) and value.startswith(DANGEROUS_FIRST):
        return "'" + value
    return value


def text_of(value: Any, kind: str, missing: str = "") -> str:
    """A cell as text: the page's and the CSV's spelling."""
    if value is None or value == "":
        return missing
    if kind == PERCENT:
        return f"{value * 100:.1f}%"
    if kind == NUMBER:
        return f"{value:.1f}"
    if isinstance(value, datetime):
        value = local_date(value)  # a stored time, read in the site zone
    if isinstance(value, date):
        return value.strftime("%Y-%m") if kind == MONTH else value.isoformat()
    return str(value)


# ---- CSV ---------------------------------------------------------------------------

@contextmanager
def _rows_of(table: ExportTable) -> Iterator[Iterator[Sequence[Any]]]:
    """The table's rows, closed afterwards if they are a generator (which may
    hold a database session), also when the download is abandoned."""
    rows = iter(table.rows)
    try:
        yield rows
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def csv_chunks(table: ExportTable) -> Iterator[bytes]:
    """The CSV file in pieces of about CSV_CHUNK characters, starting with the BOM."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(label) for label in table.labels])
    kinds = table.kinds
    with _rows_of(table) as rows:
        for row in rows:
            writer.writerow([text_of(neutralise(v), k) for v, k in zip(row, kinds, strict=True)])
            if out.tell() >= CSV_CHUNK:
                yield out.getvalue().encode("utf-8")
                out.seek(0)
                out.truncate()
    yield out.getvalue().encode("utf-8")


def to_csv(table: ExportTable) -> bytes:
    return b"".join(csv_chunks(table))


# ---- XLSX --------------------------------------------------------------------------

def sheet_title(name: str) -> str:
    """A valid worksheet name: at most 31 characters, none of : \\ / ? * [ ],
    no apostrophe at either end, never empty."""
    title = SHEET_TITLE_FORBIDDEN.sub("_", ILLEGAL_CHARACTERS_RE.sub("", name))[:31].strip("'").strip()
    return title or "report"


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: Chinese characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _xlsx_text(value: Any) -> str:
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _xlsx_value(value: Any, kind: str) -> Any:
    """A cell value of the column's kind; None (an empty cell) for a missing figure."""
    if value is None or value == "":
        return None
    if kind in (INT, NUMBER, PERCENT) and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if kind in (DATE, MONTH) and isinstance(value, date):
        return local_date(value) if isinstance(value, datetime) else value
    if kind == TEXT and isinstance(value, int | float) and not isinstance(value, bool):
        return value  # a number in a text column stays a number (never a formula)
    return _xlsx_text(value)


def write_xlsx(table: ExportTable, out: IO[bytes]) -> None:
    """The workbook, written to `out` (a file opened for binary writing)."""
    with _rows_of(table) as rows:
        _write_sheet(table, rows, out)


def _write_sheet(table: ExportTable, rows: Iterator[Sequence[Any]], out: IO[bytes]) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(table.name))
    kinds = table.kinds
    head = [[_xlsx_value(v, k) for v, k in zip(row, kinds, strict=True)] for row in islice(rows, WIDTH_SAMPLE)]

    # Widths, the frozen rows and styles must be set before the first row is written.
    for i, (label, kind) in enumerate(zip(table.labels, kinds, strict=True)):
        sample = [display_width(label)]
        sample += [display_width(text_of(row[i], kind)) for row in head if row[i] is not None]
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(MAX_WIDTH, max(MIN_WIDTH[kind], *sample) + 2)
    sheet.freeze_panes = "A3"

    title = WriteOnlyCell(sheet, value=_xlsx_text(table.heading))
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    header = []
    for label in table.labels:
        cell = WriteOnlyCell(sheet, value=_xlsx_text(label))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)

    formats = [(i, NUMBER_FORMATS[k]) for i, k in enumerate(kinds) if k in NUMBER_FORMATS]
    for row in chain(head, ([_xlsx_value(v, k) for v, k in zip(r, kinds, strict=True)] for r in rows)):
        for i, number_format in formats:
            if row[i] is not None and not isinstance(row[i], str):
                cell = WriteOnlyCell(sheet, value=row[i])
                cell.number_format = number_format
                row[i] = cell
        sheet.append(row)
    book.save(out)


def to_xlsx(table: ExportTable) -> bytes:
    out = io.BytesIO()
    write_xlsx(table, out)
    return out.getvalue()
