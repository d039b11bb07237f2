"""Every way of scoping a report (unit ids, path pattern, the whole tree) x
category filter x mode of training x shape of period (before, at and after
the last counted month, with and without a start, in the future) gives the
figures plain SQL gives over the raw rows, after random activity; and the
incremental counters equal a rebuild."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lms.enums import DELIVERY_MODES
from lms.orgs.models import OrgUnit
from lms.reports import counters, services
from lms.reports import coverage_sql as sql
from lms.reports.services import Period
from tests.reports.test_counters import CATS, random_world, raw_figures, raw_trained_by_mode, report_figures, snapshot


@pytest.mark.parametrize("kind", ["ids", "pattern", "all"])
def test_every_report_shape_equals_raw_sql(db, monkeypatch, kind):
    units, last = random_world(db, 77, n_units=8, n_users=30, steps=200, valid_froms=(date(2025, 7, 1),),
                               course_modes={1: "blended", 2: "classroom"})

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
