"""The needs report's speed (issue 14.7), for `make bench`.

`run(database_url=None, ...)` builds the national load set (`lms
generate-load`: 200,000 learners in 3,000 org units; completions only feed
the coverage counters, so 200,000 of them are enough here), then a national
survey of the demo's eleven topics with 200,000 responses (`lms
generate-survey-load`: 2,200,000 answers), in a fresh temporary SQLite
database, or in the EMPTY PostgreSQL database given. It then times (median of
`repeats` interleaved runs) the whole needs report - every figure of the
page: cells, topics, categories, child units, levels, kinds, units that
answered, offer, coverage, with suppression - and its tables for the exports:

- national: the survey's whole tree, all categories;
- national, one category (staff);
- province: the drill-down into the province with the most respondents.

The target is under one second each. A benchmark, not a test: it prints the
figures and exits 0 whatever they are (2 only when it cannot run).

    python -m bench.surveys [--responses N] [URL]
    python -m bench.surveys --reuse URL     # measure again, on the data left there
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

from sqlalchemy import func, select, text

from bench.reports import medians

TARGET_SECONDS = 1.0


def run(database_url: str | None = None, *, learners: int = 200_000, units: int = 3000, completions: int = 200_000,
        responses: int = 200_000, seed: int = 2026, repeats: int = 7, reuse: bool = False, out=sys.stdout) -> dict:
    from flask import Flask
    from flask_babel import Babel

    from lms.db import Database
    from lms.migrate import upgrade
    from lms.orgs.models import OrgUnit
    from lms.reports.load import generate_load
    from lms.surveys import needs, tables
    from lms.surveys.load import TITLE, generate_survey_load
    from lms.surveys.models import Survey, SurveyResponse

    tmp = None
    if database_url is None:
        tmp = tempfile.mkdtemp(prefix="lms-bench-surveys-")
        database_url = "sqlite:///" + os.path.join(tmp, "surveys.sqlite3")
    upgrade(database_url)
    db = Database(database_url, pool_size=2)
    if reuse:
        print("load: the data set already in the database", file=out)
    else:
        with db.transaction() as session:
            load = generate_load(session, learners=learners, units=units, completions=completions, seed=seed)
        print(f"load: {load.units} units, {load.learners} learners, {load.completions} completions "
              f"in {load.seconds:.1f} s", file=out)
        with db.transaction() as session:
            result = generate_survey_load(session, responses=responses, seed=seed)
        print(f"survey: {result.responses} responses ({result.online} online), {result.answers} answers "
              f"in {result.seconds:.1f} s", file=out)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))

    session = db.session()
    survey = session.scalar(select(Survey).where(Survey.title == TITLE))
    if survey is None:
        print("no load survey in the database", file=sys.stderr)
        sys.exit(2)
    root = session.get(OrgUnit, survey.root_unit_id)
    # The province with the most respondents.
    province = session.scalar(
        select(OrgUnit).where(OrgUnit.level == "province").order_by(
            select(func.count()).select_from(SurveyResponse).join(OrgUnit.__table__.alias("u"),
                                                                  text("u.id = survey_responses.org_unit_id"))
            .where(text("u.path LIKE org_units.path || '%'")).scalar_subquery().desc()).limit(1))
    today = survey.opens_on
    app = Flask(__name__)  # the tables' labels go through Flask-Babel: a request context, default language
    Babel(app)

    def report(unit, category=None):
        def go():
            with app.test_request_context():
                tables.needs_tables(needs.needs_report(session, survey, unit, today=today, category=category))
            session.rollback()
        return go

    fns = {"national": report(root), "national_staff": report(root, "staff"), "province": report(province)}
    for fn in fns.values():  # warm the caches once
        fn()
    figures = medians(fns, repeats)
    backend = "PostgreSQL" if not db.is_sqlite else "SQLite"
    n = session.scalar(select(func.count()).select_from(SurveyResponse).where(SurveyResponse.survey_id == survey.id))
    print(f"needs report on {backend}, {n:,} responses (median of {repeats}; target < {TARGET_SECONDS:.0f} s):", file=out)
    titles = {"national": "national, all categories", "national_staff": "national, staff only",
              "province": f"province drill-down ({province.code if province else '-'})"}
    for key, title in titles.items():
        verdict = "ok" if figures[key] < TARGET_SECONDS else "OVER TARGET"
        print(f"  {title:<40} {figures[key] * 1000:9.1f} ms  {verdict}", file=out)
    session.close()
    db.dispose()
    if tmp:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return {"backend": backend, "seconds": figures, "responses": n}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.surveys", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("database_url", nargs="?", default=None, help="an EMPTY PostgreSQL database (default: temporary SQLite)")
    p.add_argument("--learners", type=int, default=200_000)
    p.add_argument("--units", type=int, default=3000)
    p.add_argument("--completions", type=int, default=200_000)
    p.add_argument("--responses", type=int, default=200_000)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--reuse", action="store_true", help="measure the data set a previous run left in DATABASE_URL")
    args = p.parse_args(argv)
    if args.reuse and not args.database_url:
        p.error("--reuse needs the URL of the database an earlier run filled")
    try:
        run(args.database_url, learners=args.learners, units=args.units, completions=args.completions,
            responses=args.responses, seed=args.seed, repeats=args.repeats, reuse=args.reuse)
    except Exception as exc:  # noqa: BLE001 - a benchmark that cannot run says why and exits 2
        print(f"bench.surveys cannot run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
