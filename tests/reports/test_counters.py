"""The counters behind the coverage report equal what plain SQL over the raw
rows says, after random activity through the normal services (enrolments,
completions, moves between units and categories, deactivations, courses
republished in another skill x level cell); and the set-based rebuild gives
the same counters."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select, text, update

from lms.courses import services as catalog
from lms.courses.models import DELIVERY_MODES, CourseVersion
from lms.evaluations import recorded
from lms.learn import services as learning
from lms.orgs.scope import Scope
from lms.orgs.services import headcount_in_force, set_headcount
from lms.reports import counters, services
from lms.reports.models import (
    CELLS,
    cell_column,
    report_learner_modes,
    report_learners,
    report_mode_months,
    report_mode_people,
    report_unit_months,
    report_unit_people,
)
from lms.reports.services import Period
from lms.zones import start_of_local_day
from tests.builders import make_course, make_user
from tests.reports.conftest import complete, move, unit

CATS = ("manager", "professional", "staff", "correspondent")


def raw_figures(db, path: str, period: Period, category: str, mode: str | None = None) -> dict:
    """Every coverage figure of one subtree and category, straight from the
    raw rows; with `mode`, those of the completions of that mode of training."""
    args = {"like": path + "%", "cat": category, "end": period.end_moment, "mode": mode,
            "start": start_of_local_day(period.start_date) if period.start else datetime(1900, 1, 1)}
    of_mode = "AND c.mode = :mode" if mode else ""
    people = """FROM users u JOIN org_units o ON o.id = u.org_unit_id
                WHERE u.status = 'active' AND u.staff_category = :cat AND o.path LIKE :like"""
    one = lambda sql, **extra: db.execute(text(sql), {**args, **extra}).scalar()  # noqa: E731
    out = {
        "registered": one(f"SELECT count(*) {people}"),
        "enrolled": one(f"SELECT count(*) {people} AND EXISTS (SELECT 1 FROM enrolments e WHERE e.user_id = u.id)"),
        "completed": one(f"""SELECT count(*) {people} AND EXISTS (SELECT 1 FROM course_completions c
                             WHERE c.user_id = u.id AND c.completed_at < :end {of_mode})"""),
        "trained_in_period": one(f"""SELECT count(*) {people} AND (SELECT min(c.completed_at) FROM course_completions c
                                     WHERE c.user_id = u.id {of_mode}) >= :start AND (SELECT min(c.completed_at)
                                     FROM course_completions c WHERE c.user_id = u.id {of_mode}) < :end"""),
        "completions_in_period": one(f"""SELECT count(*) FROM course_completions c JOIN users u ON u.id = c.user_id
                                          JOIN org_units o ON o.id = u.org_unit_id WHERE u.status = 'active'
                                          AND u.staff_category = :cat AND o.path LIKE :like
                                          AND c.completed_at >= :start AND c.completed_at < :end {of_mode}"""),
    }
    for s, t in CELLS:
        out[cell_column(s, t)] = one(f"""SELECT count(*) {people} AND EXISTS (SELECT 1 FROM course_completions c
                                        JOIN courses k ON k.id = c.course_id WHERE c.user_id = u.id
                                        AND k.skill_type = :s AND k.target_level = :t AND c.completed_at < :end
                                        {of_mode})""", s=s, t=t)
    units = select(text("id")).select_from(text("org_units")).where(text("path LIKE :like")).params(like=path + "%")
    out["headcount"] = headcount_in_force(db, units, period.end_date).get(category, 0)
    return out


def raw_trained_by_mode(db, path: str, period: Period, category: str) -> dict:
    """People of the subtree and category with a completion of each mode by the end of the period."""
    return {mode: db.execute(text("""
        SELECT count(*) FROM users u JOIN org_units o ON o.id = u.org_unit_id
        WHERE u.status = 'active' AND u.staff_category = :cat AND o.path LIKE :like AND EXISTS (
            SELECT 1 FROM course_completions c WHERE c.user_id = u.id AND c.mode = :mode AND c.completed_at < :end)"""),
        {"cat": category, "like": path + "%", "mode": mode, "end": period.end_moment}).scalar()
        for mode in DELIVERY_MODES}


def report_figures(f: services.Figures) -> dict:
    return {"registered": f.registered, "enrolled": f.enrolled, "completed": f.completed,
            "trained_in_period": f.trained_in_period, "completions_in_period": f.completions_in_period,
            **f.cells, "headcount": f.headcount}


def snapshot(db) -> dict:
    out = {}
    for table in (report_learners, report_unit_people, report_unit_months,
                  report_learner_modes, report_mode_people, report_mode_months):
        rows = db.execute(select(table)).all()
        if table not in (report_learners, report_learner_modes):  # zero rows left behind by moves count as nothing
            keys = {c.name for c in table.primary_key.columns}
            rows = [r for r in rows if any(v for k, v in r._asdict().items() if k not in keys)]
        out[table.name] = sorted(tuple(r) for r in rows)
    db.rollback()
    return out


def reclassify(db, course, cell: tuple[str, str], now: datetime) -> None:
    """Publish a new version of the course in another skill type x target level cell."""
    latest = catalog.latest_version(db, course.id)
    version = catalog.new_version(db, course, now=now, user_id=None, based_on=latest)
    catalog.fill_version(db, version, catalog.version_spec(latest))
    version.skill_type, version.target_level = cell
    catalog.publish_version(db, version, now=now)


def random_world(db, seed: int, *, n_units: int, n_users: int, steps: int, valid_froms: tuple[date, ...],
                 course_modes: dict[int, str]) -> tuple[list, datetime]:
    """A random tree with headcounts, courses in most cells (those at the
    indexes of `course_modes` followed in that mode of training, the others
    online), people, and `steps` random actions through the services:
    completions, training recorded elsewhere in any mode, enrolments, moves
    between units and categories, deactivations, reclassified courses.
    Returns the units (the root first) and the last moment."""
    rng = random.Random(seed)
    root = unit(db, "R", "national")
    units = [root]
    for i in range(n_units):
        units.append(unit(db, f"X{i}", rng.choice(["province", "city", "district", "workplace"]), rng.choice(units)))
    for u in units:
        for cat in CATS:
            for valid_from in valid_froms:
                if rng.random() < 0.7:
                    set_headcount(db, u, staff_category=cat, valid_from=valid_from, headcount=rng.randrange(0, 20))
    courses = [make_course(db, f"K-{i}", skill_type=s, target_level=t, lessons=1, quiz=False)
               for i, (s, t) in enumerate(CELLS) if i % 2 == 0 or i == 7]
    for index, mode in course_modes.items():
        db.execute(update(CourseVersion).where(CourseVersion.course_id == courses[index].id).values(delivery_mode=mode))
    recorder = make_user(db, username="recorder", roles=("admin",))
    users = [make_user(db, username=f"r{i}", staff_category=rng.choice(CATS), org_unit_id=rng.choice(units).id)
             for i in range(n_users)]
    moment = datetime(2025, 9, 1, 8)
    for _step in range(steps):
        moment += timedelta(hours=rng.randrange(1, 72))
        user = rng.choice(users)
        action = rng.random()
        if action < 0.04:
            reclassify(db, rng.choice(courses), rng.choice(CELLS), moment)
        elif action < 0.35:
            complete(db, user, rng.choice(courses), moment)
        elif action < 0.45 and user.status == "active":  # training held elsewhere, recorded with its mode
            recorded.record_training(db, recorder=recorder, scope=Scope(everything=True),
                                     course_code=rng.choice(courses).code, usernames=[user.username],
                                     completed_on=moment.date(), place="培训中心", evidence="签到表",
                                     now=moment, today=moment.date(), mode=rng.choice(DELIVERY_MODES))
        elif action < 0.6:
            learning.enrol(db, user_id=user.id, course=rng.choice(courses), now=moment)
        elif action < 0.8:
            move(db, user, org_unit_id=rng.choice(units).id, now=moment)
        elif action < 0.9:
            move(db, user, staff_category=rng.choice(CATS), now=moment)
        else:
            move(db, user, status="deactivated" if user.status == "active" else "active", now=moment)
    db.commit()
    return units, moment


def test_random_activity_counters_equal_raw_sql(db):
    # Two courses are followed as blended (their versions say so); the rest online.
    units, _last = random_world(db, 20261127, n_units=14, n_users=45, steps=260,
                                valid_froms=(date(2025, 7, 1), date(2026, 4, 1)), course_modes={1: "blended", 3: "blended"})
    root = units[0]

    compared = 0
    # the last one is after every completion: the report reads the all-time totals, not the months
    periods = (Period(end=202512), Period(start=202601, end=202603), Period(start=202511, end=202611), Period(end=202712))
    for period in periods:
        for u in units:
            report = services.coverage(db, u, period)
            for cat in CATS:
                assert report_figures(report.by_category[cat]) == raw_figures(db, u.path, period, cat), (u.code, cat, period)
                assert report.by_category[cat].modes == raw_trained_by_mode(db, u.path, period, cat), (u.code, cat, period)
                compared += 1
            for mode in DELIVERY_MODES:  # the mode filter: completion figures of that mode only
                report = services.coverage(db, u, period, mode=mode)
                for cat in CATS:
                    assert report_figures(report.by_category[cat]) == raw_figures(db, u.path, period, cat, mode), \
                        (u.code, cat, period, mode)
    assert compared == len(periods) * len(units) * len(CATS)
    national = services.coverage(db, root, Period(end=202611))
    assert sum(national.total.cells.values()) > 20  # not a vacuous run
    assert all(national.total.modes[m] >= 3 for m in DELIVERY_MODES), national.total.modes

    incremental = snapshot(db)
    counters.rebuild(db)
    db.flush()
    assert snapshot(db) == incremental


def test_a_missed_hook_is_visible_and_rebuild_repairs_it(db, tree):
    db.execute(report_unit_months.delete())
    db.execute(report_unit_people.delete())
    db.commit()
    assert services.coverage(db, tree["p"], Period(end=202604)).total.completed == 0
    counters.rebuild(db)
    db.commit()
    assert services.coverage(db, tree["p"], Period(end=202604)).total.completed == 2
