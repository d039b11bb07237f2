"""Report tables as CSV and XLSX. Every text cell that a spreadsheet would
read as a formula (= + - @ tab CR at the start) is neutralised with a leading
apostrophe, in both formats."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ExportTable:
    name: str  # file name stem
    title: str
    columns: list[str]
    rows: list[list]


def neutralise(value):
    if isinstance(value, str) and value.startswith(DANGEROUS_FIRST):
        return "'" + value
    return value


def _cells(table: ExportTable):
    yield [neutralise(str(c)) for c in table.columns]
    for row in table.rows:
        yield [neutralise("" if v is None else v) for v in row]


def to_csv(table: ExportTable) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in _cells(table):
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8 (Chinese names)


def to_xlsx(table: ExportTable) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = (table.name or "report")[:31]
    for row in _cells(table):
        sheet.append([("" if v is None else (str(v) if not isinstance(v, int | float) else v)) for v in row])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
