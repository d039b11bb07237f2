"""Catalogue search over 5,000 published courses (issue 17.6), for `make bench`.

Builds, in a fresh temporary SQLite database (or the EMPTY PostgreSQL
database given), 5,000 courses whose titles, summaries and lessons are drawn
from the starter courses' own texts, indexes them as publication does, then
times (median of `repeats`) what the catalogue page runs for a keyword - the
best 50 matches and how many there are - for common and rare Chinese terms,
two-word queries, a phrase and English words. The target is under 50 ms
each; the figures are also printed as a ratio to the unfiltered catalogue
query in the same run (C). A benchmark: it prints and exits 0.

    python -m bench.search [--courses N] [URL]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ("养老", "基金 会计", "工伤认定", "医疗保险 结算", "稽核", "pension", "Excel formula", "不存在的词语")
TARGET_MS = 50


def _texts() -> tuple[list[str], list[str]]:
    lessons = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "courses").glob("*/lessons/*.md"))]
    titles = [line[2:].strip() for text in lessons for line in text.splitlines() if line.startswith("# ")]
    return titles, lessons


def run(database_url: str | None = None, *, courses: int = 5000, repeats: int = 9, seed: int = 2026, out=sys.stdout) -> dict:
    from sqlalchemy import func, select

    from lms.courses.models import Course
    from lms.db import Database
    from lms.migrate import upgrade

    if database_url is None:
        database_url = "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="lms-bench-search-"), "search.sqlite3")
    upgrade(database_url)
    db = Database(database_url, pool_size=2)
    rng = random.Random(seed)  # nosec B311 - reproducible test data, not a secret
    titles, lessons = _texts()
    now = datetime(2026, 11, 30)
    started = time.perf_counter()
    with db.transaction() as session:
        already = session.scalar(select(func.count()).select_from(Course).where(Course.code.like("BS-%")))
    if already == courses:
        print(f"search: the {courses} courses already in {database_url}", file=out)
    else:
        _build(db, courses, rng, titles, lessons, now, started, out)
    figures = _measure(db, repeats, out)
    db.dispose()
    return figures


def _build(db, courses, rng, titles, lessons, now, started, out) -> None:
    from sqlalchemy import insert, select, text

    from lms.courses.models import Course, CourseVersion, Lesson
    from lms.dbutil import bulk_insert
    from lms.search import services as search
    from lms.search.models import SearchTerm

    with db.transaction() as session:
        rows, terms = [], []
        for n in range(1, courses + 1):
            title = f"{rng.choice(titles)}（{n}）"
            summary = rng.choice(lessons)[:120]
            rows.append({"code": f"BS-{n}", "title": title, "summary_md": summary, "skill_type": "social-security",
                         "target_level": "information", "language": "zh_CN", "status": "published",
                         "created_at": now, "updated_at": now})
        session.execute(insert(Course), rows)
        ids = dict(session.execute(select(Course.code, Course.id)).tuples().all())
        session.execute(insert(CourseVersion), [
            {"course_id": ids[row["code"]], "number": 1, "status": "published", "title": row["title"],
             "summary_md": row["summary_md"], "skill_type": "social-security", "target_level": "information",
             "language": "zh_CN", "created_at": now, "updated_at": now, "published_at": now,
             "review_comment": "", "source_hash": ""} for row in rows])
        versions = dict(session.execute(select(CourseVersion.course_id, CourseVersion.id)).tuples().all())
        lesson_rows = []
        for row in rows:
            course_id = ids[row["code"]]
            bodies = rng.sample(lessons, 4)
            lesson_rows += [(course_id, versions[course_id], i, f"l{i}", f"第{i}课", body, "", 5)
                            for i, body in enumerate(bodies, start=1)]
            fields = [(search.TITLE, row["title"]), (search.TITLE, row["code"]), (search.SUMMARY, row["summary_md"])]
            fields += [(search.BODY, body) for body in bodies]
            terms += [(t, course_id, w) for t, w in search.course_terms(fields).items()]
        bulk_insert(session, Lesson.__table__, ["course_id", "version_id", "position", "slug", "title", "body_md",
                                                "body_html", "estimated_minutes"], lesson_rows)
        bulk_insert(session, SearchTerm.__table__, ["term", "course_id", "weight"], terms)
    print(f"search: {courses} courses, {len(terms):,} index rows, built in {time.perf_counter() - started:.1f} s",
          file=out)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def _measure(db, repeats, out) -> dict:
    from lms.catalog.views import SEARCH_RESULTS
    from lms.courses.services import CatalogFilter, find_courses, find_courses_counted

    def median_ms(flt: CatalogFilter) -> tuple[float, int]:
        times, found = [], 0
        for _ in range(repeats):
            session = db.session()
            t0 = time.perf_counter()
            if flt.keyword:
                _shown, found = find_courses_counted(session, flt, limit=SEARCH_RESULTS)
            else:
                found = len(find_courses(session, flt))
            times.append(time.perf_counter() - t0)
            session.close()
        return statistics.median(times) * 1000, found

    baseline, listed = median_ms(CatalogFilter())
    print(f"C = the unfiltered catalogue ({listed} courses): {baseline:.1f} ms", file=out)
    figures = {}
    for query in QUERIES:
        ms, found = median_ms(CatalogFilter(keyword=query))
        figures[query] = ms
        verdict = "ok" if ms <= TARGET_MS else f"over {TARGET_MS} ms"
        print(f"  {query!r:<18} {found:>5} found  {ms:7.1f} ms  {ms / baseline:5.2f} x C  {verdict}", file=out)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?")
    parser.add_argument("--courses", type=int, default=5000)
    args = parser.parse_args()
    run(args.url, courses=args.courses)


if __name__ == "__main__":
    main()
