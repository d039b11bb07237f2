"""Benchmark: import 100,000 users from CSV into a fresh SQLite database.

`run(seconds=None) -> dict` builds a temporary database migrated to head,
imports a tree of org units (1 national, 31 provinces, 10 cities each, 5
districts each), writes a 100,000-row users CSV (UTF-8 with BOM, CRLF, as
Excel saves it) and times `lms.people.user_import.import_users` (parse, check,
bulk write, assignments applied set-based, one of them matching everyone).
It then times a re-import of the same file (which changes nothing).
`seconds` is accepted for the bench runner's interface and ignored: the
import runs once, whatever it takes.
"""
from __future__ import annotations

import random
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROWS = 100_000


def _org_csv() -> tuple[str, list[str]]:
    lines = ["code,parent_code,name,level,kind,headcount_manager,headcount_professional,headcount_staff,headcount_correspondent,valid_from",
             "CN,,SSCBC,national,social_insurance,40,60,120,0,2026-01-01"]
    leaves = []
    for p in range(31):
        lines.append(f"P{p},CN,Province {p},province,social_insurance,100,200,800,0,2026-01-01")
        for c in range(10):
            lines.append(f"P{p}-C{c},P{p},City {p}-{c},city,social_insurance,40,80,300,0,2026-01-01")
            for d in range(5):
                code = f"P{p}-C{c}-D{d}"
                lines.append(f"{code},P{p}-C{c},District {p}-{c}-{d},district,social_insurance,5,10,50,20,2026-01-01")
                leaves.append(code)
    return "\r\n".join(lines) + "\r\n", leaves


def _users_csv(leaves: list[str], rows: int = ROWS) -> bytes:
    rng = random.Random(42)  # nosec B311 - reproducible test data, not security
    categories = ["staff"] * 7 + ["manager", "professional", "correspondent"]
    out = ["username,full_name,email,org_unit_code,staff_category,roles,language"]
    for i in range(rows):
        out.append(f"u{i:06d},用户{i},u{i:06d}@example.org,{rng.choice(leaves)},{rng.choice(categories)},,zh_CN")
    return ("\ufeff" + "\r\n".join(out) + "\r\n").encode("utf-8")


def run(seconds: int | None = None) -> dict:
    from sqlalchemy import create_engine

    import lms.reports.counters  # noqa: F401 - the record events' subscribers, as create_app() loads them
    from lms.assignments.services import create_assignments
    from lms.db import Database
    from lms.migrate import upgrade
    from lms.orgs.csv_import import import_org_units
    from lms.people.user_import import import_users

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench-import.sqlite3'}"
        upgrade(url)
        db = Database(url)
        now = datetime(2026, 3, 2, 9, 0)
        org_csv, leaves = _org_csv()
        with db.transaction() as session:
            units = import_org_units(session, org_csv, now=now)
        with db.transaction() as session:
            from sqlalchemy import select

            from lms.orgs.models import OrgUnit
            from tests.builders import make_course  # the builders' course: a real published package

            course = make_course(session, "BENCH-1")
            root = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "CN"))
            create_assignments(session, course_ids=[course.id], org_unit_id=root, categories=["staff"],
                               due_on=date(2026, 6, 30), created_by_id=None, now=now)
        data = _users_csv(leaves)
        start = time.perf_counter()
        with db.transaction() as session:
            result = import_users(session, data, now=now)
        first = time.perf_counter() - start
        start = time.perf_counter()
        with db.transaction() as session:
            again = import_users(session, data, now=now)
        second = time.perf_counter() - start
        db.dispose()
        create_engine(url).dispose()
    return {
        "rows": ROWS, "units": units.created, "csv_bytes": len(data),
        "import_seconds": round(first, 2), "reimport_seconds": round(second, 2),
        "result": str(result), "enrolled": result.enrolled, "reimport": str(again),
        "target_seconds": 60, "ok": first < 60,
    }


if __name__ == "__main__":  # pragma: no cover
    print(run())
