"""Every way of scoping a report (unit ids, path pattern, the whole tree) x
category filter x mode of training x shape of period (before, at and after
the last counted month, with and without a start, in the future) gives the
figures plain SQL gives over the raw rows, after random activity; and the
incremental counters equal a rebuild."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from lms.courses.models import CourseVersion
from lms.enums import DELIVERY_MODES
from lms.evaluations import recorded
from lms.learn import services as learning
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope
from lms.orgs.services import set_headcount
from lms.reports import counters, services
from lms.reports import coverage_sql as sql
from lms.reports.models import CELLS
from lms.reports.services import Period
from tests.builders import make_course, make_user
from tests.reports.conftest import complete, move, unit
from tests.reports.test_counters import CATS, raw_figures, raw_trained_by_mode, reclassify, report_figures, snapshot


def build(db, seed):
    rng = random.Random(seed)
    root = unit(db, "R", "national")
    units = [root]
    for i in range(8):
        units.append(unit(db, f"X{i}", rng.choice(["province", "city", "district", "workplace"]), rng.choice(units)))
    for u in units:
        for cat in CATS:
            if rng.random() < 0.7:
                set_headcount(db, u, staff_category=cat, valid_from=date(2025, 7, 1), headcount=rng.randrange(0, 20))
    courses = [make_course(db, f"K-{i}", skill_type=s, target_level=t, lessons=1, quiz=False)
               for i, (s, t) in enumerate(CELLS) if i % 2 == 0 or i == 7]
    db.execute(update(CourseVersion).where(CourseVersion.course_id.in_([courses[1].id]))
               .values(delivery_mode="blended"))
    db.execute(update(CourseVersion).where(CourseVersion.course_id.in_([courses[2].id]))
               .values(delivery_mode="classroom"))
    recorder = make_user(db, username="recorder", roles=("admin",))
    users = [make_user(db, username=f"r{i}", staff_category=rng.choice(CATS), org_unit_id=rng.choice(units).id)
             for i in range(30)]
    moment = datetime(2025, 9, 1, 8)
    for _step in range(200):
        moment += timedelta(hours=rng.randrange(1, 72))
        user = rng.choice(users)
        action = rng.random()
        if action < 0.04:
            reclassify(db, rng.choice(courses), rng.choice(CELLS), moment)
        elif action < 0.35:
            complete(db, user, rng.choice(courses), moment)
        elif action < 0.45 and user.status == "active":
            recorded.record_training(db, recorder=recorder, scope=Scope(everything=True),
                                     course_code=rng.choice(courses).code, usernames=[user.username],
                                     completed_on=moment.date(), place="x", evidence="y",
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


@pytest.mark.parametrize("kind", ["ids", "pattern", "all"])
def test_every_report_shape_equals_raw_sql(db, monkeypatch, kind):
    units, last = build(db, 77)

    def forced(session, unit):
        if kind == "all":
            return services.Scope("all", {})
        dialect = session.get_bind().dialect.name
        if kind == "pattern":
            return services.Scope("pattern", {"scope_pattern": sql.path_pattern(dialect, unit.path)})
        ids = list(session.scalars(select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path))))
        return services.Scope("ids", {"scope_ids": ids})

    monkeypatch.setattr(services, "report_scope", forced)
    lm = last.year * 100 + last.month
    periods = (Period(end=202512), Period(start=202601, end=202603), Period(start=202511, end=lm),
               Period(start=lm, end=lm), Period(end=lm), Period(start=202601, end=202712), Period(end=202712),
               Period(start=202801, end=202812), Period(start=202509, end=202509))
    targets = units[:1] if kind == "all" else units
    n = 0
    for period in periods:
        for u in targets:
            for cat in (None, "staff", "manager"):
                for mode in (None, *DELIVERY_MODES):
                    report = services.coverage(db, u, period, category=cat, mode=mode)
                    for c in ([cat] if cat else CATS):
                        got = report_figures(report.by_category[c])
                        want = raw_figures(db, u.path, period, c, mode)
                        assert got == want, (kind, u.code, c, period, mode)
                        assert report.by_category[c].modes == raw_trained_by_mode(db, u.path, period, c), (u.code, c, period, mode)
                        n += 1
    assert n > 100
    inc = snapshot(db)
    counters.rebuild(db)
    db.flush()
    assert snapshot(db) == inc
