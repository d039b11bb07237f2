"""Export speed and memory at 100,000 learners (issue 12 item 4), for `make bench`.

`run()` fills a fresh temporary SQLite database with the report load set
(`lms.reports.load.generate_load`: by default 100,000 learners, 1,000 org
units, 300,000 completions), then an administrator downloads the learner
export of the whole tree, as CSV and as XLSX, through the app (the route, the
scope check, the streamed query, the file writer), reading the body piece by
piece as a browser would and keeping none of it. For each format it prints
the seconds, the rows and bytes received, and the peak of Python memory
allocated during the download (tracemalloc; taken in a second download,
since tracing slows Python down; SQLite's own page cache is not Python memory
and not counted). The same figures for one province show that the peak does
not grow with the rows. Printed, never asserted: the targets (every row, under
a minute) are printed next to the figures.

    python -m bench.exports [--learners N --units N --completions N]
"""
from __future__ import annotations

import argparse
import io
import os
import secrets
import shutil
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass

TARGET_SECONDS = 60.0


@dataclass
class Download:
    seconds: float
    rows: int
    size: int
    peak: int = 0  # bytes, from the traced download


def _download(client, path: str, *, keep: bool = True) -> tuple[int, int, bytes]:
    """Read the response piece by piece, as a browser does. Returns its size,
    its line count (CSV) and, for XLSX if `keep`, the workbook (a zip must be
    whole to be opened; its rows are counted after the timing)."""
    xlsx = keep and path.split("?")[0].endswith(".xlsx")
    response = client.get(path, buffered=False)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    size, lines, book = 0, 0, bytearray()
    try:
        for piece in response.response:
            size += len(piece)
            if xlsx:
                book += piece
            else:
                lines += piece.count(b"\n")
    finally:
        response.close()
    return size, lines, bytes(book)


def _xlsx_rows(book: bytes) -> int:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(book), read_only=True)
    rows = sum(1 for _ in workbook.worksheets[0].iter_rows(min_row=3, values_only=True))  # below title and header
    workbook.close()
    return rows


def measure(client, path: str) -> Download:
    started = time.perf_counter()
    size, lines, book = _download(client, path)
    seconds = time.perf_counter() - started
    rows = _xlsx_rows(book) if book else lines - 1  # CSV: below the header
    del book
    tracemalloc.start()
    try:
        _download(client, path, keep=False)  # the client keeps nothing: the peak is the app's
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Download(seconds, rows, size, peak)


def run(*, learners: int = 100_000, units: int = 1000, completions: int = 300_000, seed: int = 2026,
        out=sys.stdout) -> dict:
    from sqlalchemy import func, select

    from lms import create_app
    from lms.auth.models import User
    from lms.auth.services import create_user, start_login_session
    from lms.db import Database
    from lms.migrate import upgrade
    from lms.orgs.models import OrgUnit
    from lms.reports.load import generate_load
    from lms.web import utcnow

    tmp = tempfile.mkdtemp(prefix="lms-bench-exports-")
    try:
        url = "sqlite:///" + os.path.join(tmp, "exports.sqlite3")
        upgrade(url)
        db = Database(url, pool_size=2)
        with db.transaction() as session:
            load = generate_load(session, learners=learners, units=units, completions=completions, seed=seed)
        print(f"load: {load.units} units, {load.learners} learners, {load.enrolments} enrolments, "
              f"{load.completions} completions, generated in {load.seconds:.1f} s", file=out)
        with db.transaction() as session:
            root = session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id))
            province = session.scalar(select(OrgUnit).where(OrgUnit.level == "province").order_by(OrgUnit.code))
            admin = create_user(session, username="bench-admin", password=None, staff_category="manager",
                                roles=("admin",), org_unit_id=root.id, now=utcnow())
            placed = select(func.count()).select_from(User).join(OrgUnit, OrgUnit.id == User.org_unit_id)
            everyone = session.scalar(placed)  # the load's learners and the administrator
            people = session.scalar(placed.where(OrgUnit.path.startswith(province.path)))
            token = start_login_session(session, user=admin, now=utcnow())
            root_id, province_id, province_code = root.id, province.id, province.code
        db.dispose()

        secret = secrets.token_hex(16)
        app = create_app({"ENVIRON": {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": secret, "LMS_LOG_LEVEL": "WARNING"}})
        client = app.test_client()
        with client.session_transaction() as s:
            s["_user_id"], s["_fresh"], s["seen"] = token, True, int(utcnow().timestamp())

        results: dict[str, Download] = {}
        for fmt in ("csv", "xlsx"):
            results[f"all.{fmt}"] = measure(client, f"/reports/learners.{fmt}?unit={root_id}")
            results[f"province.{fmt}"] = measure(client, f"/reports/learners.{fmt}?unit={province_id}")
        app.extensions["lms_db"].dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("learner export (SQLite; seconds untraced, peak = Python memory allocated during a second, traced download):",
          file=out)
    for key, d in results.items():
        scope, fmt = key.split(".")
        expected = everyone if scope == "all" else people
        name = f"{fmt.upper()} {'everyone' if scope == 'all' else f'province {province_code}'}"
        verdict = "ok" if d.rows == expected and (scope != "all" or d.seconds < TARGET_SECONDS) else "OVER TARGET"
        print(f"  {name:<22} {d.rows:>7} of {expected:>7} rows  {d.size / 1e6:7.1f} MB  {d.seconds:6.1f} s "
              f"(target < {TARGET_SECONDS:.0f} s)  peak {d.peak / 1e6:6.1f} MB  {verdict}", file=out)
    return {"load": load.__dict__, "everyone": everyone, "province_people": people,
            "results": {k: v.__dict__ for k, v in results.items()}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.exports", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--learners", type=int, default=100_000)
    p.add_argument("--units", type=int, default=1000)
    p.add_argument("--completions", type=int, default=300_000)
    p.add_argument("--seed", type=int, default=2026)
    args = p.parse_args(argv)
    run(learners=args.learners, units=args.units, completions=args.completions, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
