"""Report speed at national scale (issue 5), for `make bench`.

`run(database_url=None, ...)` generates the load data set (`lms generate-load`:
by default 200,000 learners, 3,000 org units, 1,000,000 completions) in a fresh
temporary SQLite database, or in the EMPTY PostgreSQL database given, then
measures in one run (median of `repeats` interleaved runs each):

- S: one full scan of the completions table;
- the coverage drill-down of one province (the one with the most people);
- the national coverage report over all categories and all 9 cells (with its
  drill-down table and monthly series);
- both again over a period (2026-01 to 2026-11) for one mode of training
  (classroom), which read the month counters by mode;

and prints the ratios against the targets (province <= 0.1 x S, national
<= 1.5 x S). A benchmark, not a test: it never fails on timings.

    python -m bench.reports [--learners N --units N --completions N] [URL]
    python -m bench.reports --reuse URL    # measure again, on the data set left there
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

from sqlalchemy import func, select, text

# The same targets for the same reports over a period of 11 months and one mode of training.
TARGETS = {"province": 0.1, "national": 1.5, "province_mode": 0.1, "national_mode": 1.5}


def medians(fns: dict, repeats: int) -> dict[str, float]:
    """Median seconds of each function, run in interleaved rounds so that a
    machine that speeds up or slows down during the run shifts every figure
    alike and leaves the ratios fair."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def run(database_url: str | None = None, *, learners: int = 200_000, units: int = 3000,
        completions: int = 1_000_000, seed: int = 2026, repeats: int = 9, reuse: bool = False,
        out=sys.stdout) -> dict:
    from lms.db import Database
    from lms.migrate import upgrade
    from lms.orgs.models import OrgUnit
    from lms.reports import services
    from lms.reports.load import generate_load

    tmp = None
    if database_url is None:
        tmp = tempfile.mkdtemp(prefix="lms-bench-reports-")
        database_url = "sqlite:///" + os.path.join(tmp, "reports.sqlite3")
    upgrade(database_url)
    db = Database(database_url, pool_size=2)
    load = None
    if reuse:
        print("load: the data set already in the database", file=out)
    else:
        with db.transaction() as session:
            load = generate_load(session, learners=learners, units=units, completions=completions, seed=seed)
        print(f"load: {load.units} units, {load.learners} learners, {load.enrolments} enrolments, "
              f"{load.completions} completions, generated in {load.seconds:.1f} s", file=out)

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))  # fresh statistics, as a maintained database has
    session = db.session()
    scan = text("SELECT count(*), sum(length(CAST(completed_at AS TEXT)) + coalesce(score, 0)) FROM course_completions")
    root = session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id))
    from lms.auth.models import User

    province = session.scalar(
        select(OrgUnit).where(OrgUnit.level == "province")
        .order_by(select(func.count()).select_from(User).join(OrgUnit.__table__.alias("u2"), text("u2.id = users.org_unit_id"))
                  .where(text("u2.path LIKE org_units.path || '%'")).scalar_subquery().desc()).limit(1))
    period = services.Period(end=202611)

    def s_scan():
        session.execute(scan).one()
        session.rollback()

    def province_report():
        services.coverage(session, province, period)
        session.rollback()

    def national_report():
        services.coverage(session, root, period)
        session.rollback()

    by_mode = services.Period(start=202601, end=202611)

    def province_mode_report():
        services.coverage(session, province, by_mode, mode="classroom")
        session.rollback()

    def national_mode_report():
        services.coverage(session, root, by_mode, mode="classroom")
        session.rollback()

    reports = {"S": s_scan, "province": province_report, "national": national_report,
               "province_mode": province_mode_report, "national_mode": national_mode_report}
    for fn in reports.values():  # warm the caches once
        fn()
    figures = medians(reports, repeats)
    ratios = {k: figures[k] / figures["S"] for k in TARGETS}
    backend = "PostgreSQL" if not db.is_sqlite else "SQLite"
    print(f"reports on {backend} (median of {repeats}):", file=out)
    print(f"  S  full scan of course_completions   {figures['S'] * 1000:9.1f} ms", file=out)
    for key, title in (("province", f"province drill-down ({province.code})"), ("national", "national report"),
                       ("province_mode", "province, 2026-01..11, classroom"),
                       ("national_mode", "national, 2026-01..11, classroom")):
        verdict = "ok" if ratios[key] <= TARGETS[key] else "OVER TARGET"
        print(f"  {title:<36} {figures[key] * 1000:9.1f} ms  = {ratios[key]:.3f} x S "
              f"(target <= {TARGETS[key]} x S) {verdict}", file=out)
    session.close()
    db.dispose()
    if tmp:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return {"backend": backend, "seconds": figures, "ratios": ratios, "load": load.__dict__ if load else None}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("database_url", nargs="?", default=None, help="an EMPTY PostgreSQL database (default: temporary SQLite)")
    p.add_argument("--learners", type=int, default=200_000)
    p.add_argument("--units", type=int, default=3000)
    p.add_argument("--completions", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--reuse", action="store_true", help="measure the data set a previous run left in DATABASE_URL")
    args = p.parse_args(argv)
    if args.reuse and not args.database_url:
        p.error("--reuse needs the URL of the database an earlier run filled")
    run(args.database_url, learners=args.learners, units=args.units, completions=args.completions, seed=args.seed,
        repeats=args.repeats, reuse=args.reuse)
    return 0


if __name__ == "__main__":
    sys.exit(main())
