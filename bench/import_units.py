"""Benchmark: import 100,000 org units from CSV into a fresh SQLite database.

`run(rows=100_000) -> dict` builds a temporary database migrated to head and
writes an org-unit file of `rows` units (1 national unit, then 10 children per
unit, breadth first: national, province, city, district, county, workplace)
in REVERSE order, so every row's parent is further down the file (UTF-8 with
BOM, CRLF, headcounts on every row, as Excel saves it). It times the three
steps of `lms.orgs.csv_import` one after the other: parse (no database),
check (parents, cycles) and write (bulk statements, paths rebuilt,
assignments re-applied), in one transaction; then a re-import of the same
file (which changes nothing). Figures are printed, never asserted.

    python -m bench.import_units [--rows N]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROWS = 100_000
FANOUT = 10
LEVELS = ("national", "province", "city", "district", "county", "workplace")
HEADER = ("code,parent_code,name,level,kind,headcount_manager,headcount_professional,headcount_staff,"
          "headcount_correspondent,valid_from")


def units_csv(rows: int = ROWS) -> bytes:
    """`rows` units, children before their parents (the tree, breadth first, reversed)."""
    lines = []
    depth = [0] * rows
    for i in range(rows):
        parent = (i - 1) // FANOUT if i else None
        if parent is not None:
            depth[i] = depth[parent] + 1
        level = LEVELS[min(depth[i], len(LEVELS) - 1)]
        kind = "company" if level == "workplace" else "social_insurance"
        lines.append(f"U{i:06d},{'' if parent is None else f'U{parent:06d}'},单位 {i},{level},{kind},"
                     f"{i % 7},{i % 11},{i % 13 + 10},{i % 3},2026-01-01")
    lines.append(HEADER)
    lines.reverse()
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def run(rows: int = ROWS) -> dict:
    from sqlalchemy import create_engine

    import lms.assignments.services  # noqa: F401 - the record events' subscribers, as create_app() loads them
    import lms.reports.counters  # noqa: F401
    from lms.db import Database
    from lms.migrate import upgrade
    from lms.orgs.csv_import import check_org_units, import_org_units, parse_org_units, write_org_units

    data = units_csv(rows)
    now = datetime(2026, 3, 2, 9, 0)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench-units.sqlite3'}"
        upgrade(url)
        db = Database(url)
        with db.transaction() as session:
            start = time.perf_counter()
            parsed = parse_org_units(data)
            parse_s = time.perf_counter() - start
            check_org_units(session, parsed)
            check_s = time.perf_counter() - start - parse_s
            result = write_org_units(session, parsed, now=now)
            total = time.perf_counter() - start
        start = time.perf_counter()
        with db.transaction() as session:
            again = import_org_units(session, data, now=now)
        second = time.perf_counter() - start
        db.dispose()
        create_engine(url).dispose()
    return {
        "rows": rows, "csv_bytes": len(data),
        "parse_seconds": round(parse_s, 2), "check_seconds": round(check_s, 2),
        "write_seconds": round(total - parse_s - check_s, 2), "import_seconds": round(total, 2),
        "reimport_seconds": round(second, 2), "result": str(result), "reimport": str(again),
        "target_seconds": 60, "ok": total < 60,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.import_units", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=ROWS, help=f"org units in the file (default {ROWS:,})")
    args = parser.parse_args(argv)
    print(run(args.rows))


if __name__ == "__main__":  # pragma: no cover
    main()
