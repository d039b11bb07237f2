"""Coverage figures on a known tree, computed by hand; headcount periods;
a parent is the sum of its children plus its own people."""
from __future__ import annotations

import random
from datetime import date, datetime

import pytest
from sqlalchemy import select

from lms.orgs.models import OrgUnit
from lms.orgs.services import set_headcount
from lms.reports import coverage_sql as sql
from lms.reports import services
from lms.reports.models import cell_column
from lms.reports.services import Period
from tests.builders import make_course, make_user
from tests.reports.conftest import complete, move, unit

TI, SE = cell_column("transversal", "information"), cell_column("social-security", "expertise")


def test_province_as_of_april_by_hand(db, tree):
    report = services.coverage(db, tree["p"], Period(end=202604))
    staff, manager = report.by_category["staff"], report.by_category["manager"]
    # headcount P10 + C1 5 + C2 4 + D1 3; u6 is deactivated; u4 completes only in May
    assert (staff.headcount, staff.registered, staff.enrolled, staff.completed) == (22, 4, 3, 1)
    assert (manager.headcount, manager.registered, manager.enrolled, manager.completed) == (2, 1, 1, 1)
    assert staff.coverage == 1 / 22 and manager.coverage == 0.5
    assert staff.cells[TI] == 1 and staff.cells[SE] == 0
    assert manager.cells[TI] == 1 and manager.cells[SE] == 1
    assert report.by_category["correspondent"].coverage is None  # no headcount: shown as "—"
    assert (report.total.headcount, report.total.registered, report.total.completed) == (24, 5, 2)
    rows = {r.unit.code + ("*" if r.own else ""): r.figures for r in report.rows}
    assert list(rows) == ["P*", "C1", "C2"]
    assert (rows["P*"].headcount, rows["P*"].registered, rows["P*"].enrolled, rows["P*"].completed) == (10, 1, 0, 0)
    assert (rows["C1"].headcount, rows["C1"].registered, rows["C1"].enrolled, rows["C1"].completed) == (10, 3, 3, 2)
    assert (rows["C2"].headcount, rows["C2"].registered, rows["C2"].enrolled, rows["C2"].completed) == (4, 1, 1, 0)


def test_period_counts_first_completions_and_completions(db, tree):
    report = services.coverage(db, tree["p"], Period(start=202603, end=202604))
    manager, staff = report.by_category["manager"], report.by_category["staff"]
    assert (manager.trained_in_period, manager.completions_in_period, manager.completed) == (1, 2, 1)
    assert (staff.trained_in_period, staff.completions_in_period, staff.completed) == (0, 0, 1)
    months = {p.month: (p.completions, p.trained) for p in report.months}
    assert months == {202603: (1, 1), 202604: (1, 0)}


def test_headcount_in_force_follows_the_date(db, tree):
    before = services.coverage(db, tree["p"], Period(end=202605)).by_category["staff"]
    after = services.coverage(db, tree["p"], Period(end=202606)).by_category["staff"]
    assert before.headcount == 22 and after.headcount == 25  # D1: 3 from January, 6 from June
    assert after.completed == 2  # u4 completed in May
    assert services.coverage(db, tree["p"], Period(end=202512)).by_category["staff"].headcount == 0


def test_registered_above_headcount_is_shown(db, tree):
    for i in range(5):
        make_user(db, username=f"extra{i}", staff_category="staff", org_unit_id=tree["c2"].id)
    db.commit()
    c2 = services.coverage(db, tree["c2"], Period(end=202604)).by_category["staff"]
    assert (c2.registered, c2.headcount, c2.over_registered) == (6, 4, True)


def test_moving_a_learner_moves_their_figures(db, tree):
    move(db, tree["u4"], org_unit_id=tree["d1"].id)
    db.commit()
    report = services.coverage(db, tree["p"], Period(end=202606))
    rows = {r.unit.code: r.figures for r in report.rows if not r.own}
    assert (rows["C1"].completed, rows["C2"].completed, rows["C2"].registered) == (3, 0, 0)
    assert report.by_category["staff"].completed == 2  # the province total does not change
    move(db, tree["u4"], staff_category="manager")
    db.commit()
    report = services.coverage(db, tree["p"], Period(end=202606))
    assert (report.by_category["staff"].completed, report.by_category["manager"].completed) == (1, 2)
    assert report.by_category["manager"].cells[SE] == 2


def test_category_filter_shows_one_category(db, tree):
    report = services.coverage(db, tree["p"], Period(end=202604), category="manager")
    assert report.categories == ["manager"]
    assert (report.total.headcount, report.total.completed) == (2, 1)
    assert [r.figures.completed for r in report.rows] == [0, 1, 0]


def test_parent_is_sum_of_children_plus_own_on_a_generated_tree(db):
    rng = random.Random(7)
    root = unit(db, "R", "national")
    units = [root]
    for i in range(25):
        units.append(unit(db, f"G{i}", rng.choice(["province", "city", "district"]), rng.choice(units)))
    courses = [make_course(db, f"G-{s[:2].upper()}{t[:2].upper()}", skill_type=s, target_level=t, lessons=1, quiz=False)
               for s, t in (("transversal", "capacity"), ("professional", "expertise"), ("social-security", "information"))]
    for u in units:
        for cat in ("manager", "staff"):
            set_headcount(db, u, staff_category=cat, valid_from=date(2026, 1, 1), headcount=rng.randrange(0, 9))
    for i in range(60):
        user = make_user(db, username=f"g{i}", staff_category=rng.choice(["manager", "staff", "professional"]),
                         org_unit_id=rng.choice(units).id)
        for course in rng.sample(courses, rng.randrange(0, 3)):
            complete(db, user, course, datetime(2026, rng.randrange(1, 10), rng.randrange(1, 28), 10))
    db.commit()
    period = Period(start=202603, end=202608)
    checked = 0
    for u in units:
        report = services.coverage(db, u, period)
        summed = services.Figures()
        for row in report.rows:
            summed.add(row.figures)
            if not row.own:
                child = services.coverage(db, row.unit, period).total
                assert child == row.figures, row.unit.code
        assert summed == report.total, u.code
        checked += len(report.rows) > 1
    assert checked >= 5



def _figures_of(report):
    return ({c: (f.as_dict(), f.cells) for c, f in report.by_category.items()},
            [(r.unit.code, r.own, r.has_children, r.figures.as_dict(), r.figures.cells) for r in report.rows],
            [(p.month, p.completions, p.trained) for p in report.months])


@pytest.mark.parametrize("kind", ["ids", "pattern", "all"])
def test_every_way_of_scoping_a_subtree_gives_the_same_figures(db, tree, monkeypatch, kind):
    """A report is scoped by the subtree's unit ids, by its path pattern (a huge
    subtree) or, for the only root, by nothing at all: the same figures each way."""
    cases = [(tree["n"], Period(end=202612), None), (tree["n"], Period(start=202604, end=202606), "manager"),
             (tree["p"], Period(end=202604), None), (tree["p"], Period(start=202603, end=202606), "staff"),
             (tree["c1"], Period(end=202612), None)]
    expected = [_figures_of(services.coverage(db, u, period, category=cat)) for u, period, cat in cases]
    assert all(sum(f["completed"] for f, _ in e[0].values()) for e in expected), "a vacuous comparison"

    def forced(session, unit):
        if kind == "all":  # the whole tree: only right for the root
            return services.Scope("all", {})
        dialect = session.get_bind().dialect.name
        if kind == "pattern":
            return services.Scope("pattern", {"scope_pattern": sql.path_pattern(dialect, unit.path)})
        ids = list(session.scalars(select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path))))
        return services.Scope("ids", {"scope_ids": ids})

    monkeypatch.setattr(services, "report_scope", forced)
    for (u, period, category), want in zip(cases, expected, strict=True):
        if kind == "all" and u is not tree["n"]:
            continue
        assert _figures_of(services.coverage(db, u, period, category=category)) == want, (u.code, period, category)
