"""The reports: coverage (from the counters), completion per course and the
learner transcript (from the raw rows, scoped). No flask here: callers pass
the org unit (already checked against the viewer's scope), the period and
`now`.

Definitions (also in the README, "Reports"):
- headcount: per unit and category the Headcount row in force at the end of
  the period (latest valid_from on or before it), summed over the subtree;
- registered: active users placed in the subtree; enrolled: those with at
  least one enrolment (both as they are now);
- completed ("trained"): active users with at least one course completion on
  or before the end of the period; coverage = completed / headcount;
- trained in the period: people whose FIRST completion fell in the period;
  completions in the period: course completions recorded in it;
- a cell of the skill type x target level matrix: people who completed at
  least one course of that cell by the end of the period.
People count under their current unit and category. Periods are whole UTC
calendar months.
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, distinct, func, or_, select, true
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.catalog.models import Course, Quiz
from lms.enums import STAFF_CATEGORIES
from lms.learn.models import CourseCompletion, Enrolment, QuizAttempt
from lms.orgs.models import Headcount, OrgUnit
from lms.reports.models import CELL_COLUMNS, CELLS, report_unit_months, report_unit_people

try:  # assignments (issue 4); the report says "not tracked" when they are absent
    from lms.enrolment.models import Assignment, AssignmentMember
except ImportError:  # pragma: no cover - depends on the features installed
    Assignment = AssignmentMember = None

ASSIGNMENTS_TRACKED = Assignment is not None
CHART_MONTHS = 24  # the completions-per-month series when the period has no start


# ---- periods -------------------------------------------------------------------

def month_add(month: int, n: int) -> int:
    index = (month // 100) * 12 + (month % 100 - 1) + n
    return (index // 12) * 100 + index % 12 + 1


def month_first_day(month: int) -> date:
    return date(month // 100, month % 100, 1)


def month_last_day(month: int) -> date:
    year, m = divmod(month, 100)
    return date(year, m, calendar.monthrange(year, m)[1])


def month_text(month: int) -> str:
    return f"{month // 100:04d}-{month % 100:02d}"


@dataclass(frozen=True)
class Period:
    """Whole months [start, end] (yyyymm); start None = since the beginning."""

    end: int
    start: int | None = None

    @property
    def end_date(self) -> date:
        return month_last_day(self.end)

    @property
    def end_moment(self) -> datetime:
        """The first instant after the period (exclusive bound on DateTime columns)."""
        return datetime.combine(self.end_date + timedelta(days=1), datetime.min.time())

    @property
    def start_date(self) -> date | None:
        return month_first_day(self.start) if self.start else None

    def chart_months(self) -> list[int]:
        first = self.start or month_add(self.end, -(CHART_MONTHS - 1))
        months, m = [], first
        while m <= self.end and len(months) < 240:
            months.append(m)
            m = month_add(m, 1)
        return months


# ---- coverage -----------------------------------------------------------------------

@dataclass
class Figures:
    headcount: int = 0
    registered: int = 0
    enrolled: int = 0
    completed: int = 0
    trained_in_period: int = 0
    completions_in_period: int = 0
    cells: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CELL_COLUMNS, 0))

    def add(self, other: Figures) -> None:
        for name in ("headcount", "registered", "enrolled", "completed", "trained_in_period", "completions_in_period"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for column in CELL_COLUMNS:
            self.cells[column] += other.cells[column]

    @property
    def coverage(self) -> float | None:
        """Share of the headcount trained (0-1, may exceed 1); None without a headcount."""
        return self.completed / self.headcount if self.headcount else None

    @property
    def over_registered(self) -> bool:
        return self.registered > self.headcount

    def as_dict(self) -> dict:
        return {"headcount": self.headcount, "registered": self.registered, "enrolled": self.enrolled,
                "completed": self.completed, "trained_in_period": self.trained_in_period,
                "completions_in_period": self.completions_in_period,
                "coverage": round(self.coverage, 6) if self.coverage is not None else None,
                "registered_exceeds_headcount": self.over_registered}


@dataclass
class UnitRow:
    unit: OrgUnit
    own: bool  # the people attached to the unit itself, not to a unit below it
    has_children: bool
    figures: Figures


@dataclass
class MonthPoint:
    month: int
    completions: int
    trained: int


@dataclass
class CoverageReport:
    unit: OrgUnit
    period: Period
    category: str | None
    categories: list[str]
    by_category: dict[str, Figures]
    total: Figures
    rows: list[UnitRow]
    months: list[MonthPoint]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def path_prefix(session: Session, column, prefix: str):
    """`column` starts with `prefix`, as a bound parameter so the statement is
    compiled once and cached: GLOB on SQLite (served by the plain index on
    org_units.path), LIKE elsewhere. Paths hold only digits and '/'."""
    if not prefix or any(ch not in "0123456789/" for ch in prefix):
        raise ValueError(f"not an org-unit path: {prefix!r}")
    if _dialect(session) == "sqlite":
        return column.op("GLOB")(prefix + "*")
    return column.like(prefix + "%")


def subtree_ids(prefix: str, session: Session):
    return select(OrgUnit.id).where(path_prefix(session, OrgUnit.path, prefix))


_MEMO = "lms_reports_subtree"  # session.info key, set only while one report is built


def in_subtree(session: Session, column, unit: OrgUnit):
    """`column` (an org unit id) lies in the unit's subtree. For the root of the
    only tree that is every row: no condition, so the national report reads
    the counters straight through. Within one report (see `_one_report`) the
    subtree is looked up once and reused by every statement."""
    memo = session.info.get(_MEMO)
    condition = memo.get(unit.path) if memo is not None else None
    if condition is None:
        condition = _subtree_condition(session, unit)
        if memo is not None:
            memo[unit.path] = condition
    return condition(column)


def _subtree_condition(session: Session, unit: OrgUnit):
    if unit.parent_id is None and session.scalar(
            select(func.count()).select_from(OrgUnit).where(OrgUnit.parent_id.is_(None))) == 1:
        return lambda column: true()
    # The ids themselves, not a subquery: both planners then read the counters
    # by primary key with exact estimates (PostgreSQL misjudges LIKE on paths).
    ids = list(session.scalars(subtree_ids(unit.path, session)))
    if len(ids) > 20_000:  # a huge subtree: let the database join instead
        return lambda column: column.in_(subtree_ids(unit.path, session))
    return lambda column: column.in_(ids)


@contextmanager
def _one_report(session: Session):
    """Share subtree lookups between the statements of one report."""
    outer = _MEMO in session.info
    session.info.setdefault(_MEMO, {})
    try:
        yield
    finally:
        if not outer:
            session.info.pop(_MEMO, None)


def child_key(session: Session, path_column, prefix: str):
    """The path of the child of `prefix` that `path_column` lies under (or
    `prefix` itself for the unit's own rows)."""
    plen = len(prefix)
    rest = func.substr(path_column, plen + 1)
    slash = func.strpos(rest, "/") if _dialect(session) == "postgresql" else func.instr(rest, "/")
    return func.substr(path_column, 1, plen + slash)


def _figures_table(categories):
    return defaultdict(lambda: {c: Figures() for c in categories})


def coverage(session: Session, unit: OrgUnit, period: Period, *, category: str | None = None) -> CoverageReport:
    """Coverage of `unit`'s subtree, per category, per cell and per child unit."""
    categories = [category] if category else list(STAFF_CATEGORIES)
    prefix = unit.path
    figures = _figures_table(categories)  # child path -> category -> Figures

    with _one_report(session):
        if period.start is None and _after_last_month(session, period.end):
            _all_time(session, unit, figures, category)  # "as of now": the all-time totals, no month rows
        else:
            _by_months(session, unit, period, figures, category)
        for k, cat, n in headcounts_by_child(session, unit, period.end_date, category=category):
            figures[k][cat].headcount = n
        return _coverage_report(session, unit, period, category, categories, figures)


def _after_last_month(session: Session, end: int) -> bool:
    last = session.scalar(select(func.max(report_unit_months.c.month)))
    return last is None or last <= end


def _all_time(session: Session, unit: OrgUnit, figures, category: str | None) -> None:
    p = report_unit_people
    key = child_key(session, OrgUnit.path, unit.path).label("k")
    names = ["registered", "enrolled", "completed", "completions", *CELL_COLUMNS]
    stmt = select(key, p.c.staff_category, *[func.sum(p.c[n]) for n in names]) \
        .join(OrgUnit, OrgUnit.id == p.c.org_unit_id).where(in_subtree(session, p.c.org_unit_id, unit))
    if category:
        stmt = stmt.where(p.c.staff_category == category)
    for k, cat, *values in session.execute(stmt.group_by(key, p.c.staff_category)):
        f = figures[k][cat]
        f.registered, f.enrolled, f.completed, f.completions_in_period = (int(v or 0) for v in values[:4])
        f.trained_in_period = f.completed
        f.cells = {col: int(v or 0) for col, v in zip(CELL_COLUMNS, values[4:], strict=True)}


def _by_months(session: Session, unit: OrgUnit, period: Period, figures, category: str | None) -> None:
    prefix = unit.path
    m = report_unit_months
    start = period.start or 0
    cols = [
        func.sum(m.c.first_any).label("completed"),
        func.sum(case((m.c.month >= start, m.c.first_any), else_=0)).label("trained_in_period"),
        func.sum(case((m.c.month >= start, m.c.completions), else_=0)).label("completions_in_period"),
        *[func.sum(m.c[col]).label(col) for col in CELL_COLUMNS],
    ]
    inner = select(m.c.org_unit_id, m.c.staff_category, *cols).where(
        m.c.month <= period.end, in_subtree(session, m.c.org_unit_id, unit))
    if category:
        inner = inner.where(m.c.staff_category == category)
    inner = inner.group_by(m.c.org_unit_id, m.c.staff_category).subquery("a")
    key = child_key(session, OrgUnit.path, prefix).label("k")
    names = ["completed", "trained_in_period", "completions_in_period", *CELL_COLUMNS]
    stmt = select(key, inner.c.staff_category, *[func.sum(inner.c[n]) for n in names]) \
        .join(OrgUnit, OrgUnit.id == inner.c.org_unit_id).group_by(key, inner.c.staff_category)
    for k, cat, *values in session.execute(stmt):
        f = figures[k][cat]
        f.completed, f.trained_in_period, f.completions_in_period = (int(v or 0) for v in values[:3])
        f.cells = {col: int(v or 0) for col, v in zip(CELL_COLUMNS, values[3:], strict=True)}

    p = report_unit_people
    key = child_key(session, OrgUnit.path, prefix).label("k")
    stmt = select(key, p.c.staff_category, func.sum(p.c.registered), func.sum(p.c.enrolled)) \
        .join(OrgUnit, OrgUnit.id == p.c.org_unit_id).where(in_subtree(session, p.c.org_unit_id, unit))
    if category:
        stmt = stmt.where(p.c.staff_category == category)
    for k, cat, registered, enrolled in session.execute(stmt.group_by(key, p.c.staff_category)):
        figures[k][cat].registered, figures[k][cat].enrolled = int(registered or 0), int(enrolled or 0)


def _coverage_report(session: Session, unit: OrgUnit, period: Period, category, categories, figures) -> CoverageReport:
    prefix = unit.path
    by_category = {c: Figures() for c in categories}
    for per_cat in figures.values():
        for c, f in per_cat.items():
            by_category[c].add(f)
    total = Figures()
    for f in by_category.values():
        total.add(f)

    children = list(session.scalars(select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.code)))
    with_children = set(session.scalars(
        select(OrgUnit.parent_id).where(OrgUnit.parent_id.in_([c.id for c in children])).distinct())) if children else set()
    rows = []
    own = _sum(figures.get(prefix), categories)
    rows.append(UnitRow(unit, own=True, has_children=False, figures=own))
    for child in children:
        rows.append(UnitRow(child, own=False, has_children=child.id in with_children,
                            figures=_sum(figures.get(child.path), categories)))
    return CoverageReport(unit=unit, period=period, category=category, categories=categories,
                          by_category=by_category, total=total, rows=rows,
                          months=completions_per_month(session, unit, period, category=category))


def _sum(per_cat: dict | None, categories) -> Figures:
    total = Figures()
    for c in categories:
        if per_cat and c in per_cat:
            total.add(per_cat[c])
    return total


def headcounts_by_child(session: Session, unit: OrgUnit, on_date: date, *, category: str | None = None):
    """(child path, category, headcount in force on `on_date`) over the subtree."""
    prefix = unit.path
    latest = select(Headcount.org_unit_id, Headcount.staff_category,
                    func.max(Headcount.valid_from).label("valid_from")) \
        .where(Headcount.valid_from <= on_date, in_subtree(session, Headcount.org_unit_id, unit))
    if category:
        latest = latest.where(Headcount.staff_category == category)
    latest = latest.group_by(Headcount.org_unit_id, Headcount.staff_category).subquery("l")
    key = child_key(session, OrgUnit.path, prefix).label("k")
    stmt = select(key, Headcount.staff_category, func.sum(Headcount.headcount)) \
        .join(latest, and_(Headcount.org_unit_id == latest.c.org_unit_id,
                           Headcount.staff_category == latest.c.staff_category,
                           Headcount.valid_from == latest.c.valid_from)) \
        .join(OrgUnit, OrgUnit.id == Headcount.org_unit_id).group_by(key, Headcount.staff_category)
    return [(k, cat, int(n or 0)) for k, cat, n in session.execute(stmt)]


def completions_per_month(session: Session, unit: OrgUnit, period: Period, *, category: str | None = None) -> list[MonthPoint]:
    months = period.chart_months()
    m = report_unit_months
    where = in_subtree(session, m.c.org_unit_id, unit)
    # A subtree is read through the primary key (unit first); "+ 0" keeps SQLite
    # from choosing the month index for it, which only pays for the whole tree.
    whole = isinstance(where, type(true()))
    month = m.c.month if whole or _dialect(session) != "sqlite" else m.c.month + 0
    stmt = select(m.c.month, func.sum(m.c.completions), func.sum(m.c.first_any)).where(
        month >= months[0], month <= months[-1], where)
    if category:
        stmt = stmt.where(m.c.staff_category == category)
    found = {month: (int(c or 0), int(t or 0)) for month, c, t in session.execute(stmt.group_by(m.c.month))}
    return [MonthPoint(month, *found.get(month, (0, 0))) for month in months]


def ancestors_within(session: Session, unit: OrgUnit, root_path: str | None) -> list[OrgUnit]:
    """The unit's ancestors from the top of the viewer's scope down (breadcrumbs)."""
    ids = [int(p) for p in unit.path.strip("/").split("/")[:-1]]
    if not ids:
        return []
    found = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    chain = [found[i] for i in ids if i in found]
    if root_path:
        chain = [u for u in chain if u.path.startswith(root_path)]
    return chain


# ---- completion per course ---------------------------------------------------------

@dataclass
class CourseFigures:
    enrolled: int = 0
    completed: int = 0
    attempted: int = 0  # learners with at least one submitted quiz attempt
    passed: int = 0  # of those, learners with at least one passed attempt
    average_best_score: float | None = None
    median_days: float | None = None
    overdue: int = 0

    @property
    def in_progress(self) -> int:
        return self.enrolled - self.completed

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.attempted if self.attempted else None

    def as_dict(self) -> dict:
        return {"enrolled": self.enrolled, "in_progress": self.in_progress, "completed": self.completed,
                "learners_attempted": self.attempted, "learners_passed": self.passed,
                "pass_rate": round(self.pass_rate, 6) if self.pass_rate is not None else None,
                "average_best_score": round(self.average_best_score, 2) if self.average_best_score is not None else None,
                "median_days_to_complete": round(self.median_days, 2) if self.median_days is not None else None,
                "assignments_overdue": self.overdue}


@dataclass
class CourseRow:
    course: Course
    figures: CourseFigures


@dataclass
class CourseUnitRow:
    unit: OrgUnit
    own: bool
    has_children: bool
    figures: CourseFigures


def _scoped_users(session: Session, prefix: str, *, by_child: bool):
    """Active users of the subtree (id, and the child path they fall under)."""
    cols = [User.id.label("user_id")]
    if by_child:
        cols.append(child_key(session, OrgUnit.path, prefix).label("k"))
    return select(*cols).join(OrgUnit, OrgUnit.id == User.org_unit_id) \
        .where(User.status == "active", path_prefix(session, OrgUnit.path, prefix)).subquery("su")


def _days(session: Session, later, earlier):
    if _dialect(session) == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def _course_figures(session: Session, prefix: str, as_of: datetime, *, course_id: int | None, by_child: bool,
                    ) -> dict[tuple, CourseFigures]:
    """Figures keyed by (course_id,) or (course_id, child path)."""
    su = _scoped_users(session, prefix, by_child=by_child)
    e, cc = Enrolment.__table__, CourseCompletion.__table__
    out: dict[tuple, CourseFigures] = defaultdict(CourseFigures)

    def group(course_col):
        return [course_col, su.c.k] if by_child else [course_col]

    # enrolled and completed (completion by the as-of moment)
    g = group(e.c.course_id)
    stmt = select(*g, func.count(), func.count(cc.c.id)).select_from(
        e.join(su, su.c.user_id == e.c.user_id).outerjoin(
            cc, and_(cc.c.user_id == e.c.user_id, cc.c.course_id == e.c.course_id, cc.c.completed_at < as_of))
    ).where(e.c.enrolled_at < as_of)
    if course_id is not None:
        stmt = stmt.where(e.c.course_id == course_id)
    for *k, enrolled, completed in session.execute(stmt.group_by(*g)):
        out[tuple(k)].enrolled, out[tuple(k)].completed = enrolled, completed

    # quiz: per learner best score and whether any attempt passed, then per course
    qa = QuizAttempt.__table__
    per_learner = select(*group(Quiz.course_id), qa.c.user_id, func.max(qa.c.score).label("best"),
                         func.max(case((qa.c.passed.is_(True), 1), else_=0)).label("passed")) \
        .select_from(qa.join(Quiz, Quiz.id == qa.c.quiz_id).join(su, su.c.user_id == qa.c.user_id)) \
        .where(qa.c.submitted_at.is_not(None), qa.c.submitted_at < as_of)
    if course_id is not None:
        per_learner = per_learner.where(Quiz.course_id == course_id)
    per_learner = per_learner.group_by(*group(Quiz.course_id), qa.c.user_id).subquery("pl")
    g = [per_learner.c.course_id, per_learner.c.k] if by_child else [per_learner.c.course_id]
    stmt = select(*g, func.count(), func.sum(per_learner.c.passed), func.avg(per_learner.c.best)).group_by(*g)
    for *k, attempted, passed, best in session.execute(stmt):
        f = out[tuple(k)]
        f.attempted, f.passed = attempted, int(passed or 0)
        f.average_best_score = float(best) if best is not None else None

    # median days from enrolment to completion: ROW_NUMBER over each group, the middle row(s) averaged
    days = _days(session, cc.c.completed_at, e.c.enrolled_at).label("days")
    g = group(cc.c.course_id)
    partition = g
    d = select(*g, days,
               func.row_number().over(partition_by=partition, order_by=days).label("rn"),
               func.count().over(partition_by=partition).label("n")) \
        .select_from(cc.join(e, and_(e.c.user_id == cc.c.user_id, e.c.course_id == cc.c.course_id))
                     .join(su, su.c.user_id == cc.c.user_id)) \
        .where(cc.c.completed_at < as_of)
    if course_id is not None:
        d = d.where(cc.c.course_id == course_id)
    d = d.subquery("d")
    g = [d.c.course_id, d.c.k] if by_child else [d.c.course_id]
    stmt = select(*g, func.avg(d.c.days)).where(or_(d.c.rn == (d.c.n + 1) // 2, d.c.rn == (d.c.n + 2) // 2)).group_by(*g)
    for *k, median in session.execute(stmt):
        out[tuple(k)].median_days = float(median) if median is not None else None

    if ASSIGNMENTS_TRACKED:
        a, am = Assignment.__table__, AssignmentMember.__table__
        done = select(cc.c.id).where(cc.c.user_id == am.c.user_id, cc.c.course_id == a.c.course_id,
                                     cc.c.completed_at < as_of).exists()
        g = group(a.c.course_id)
        stmt = select(*g, func.count(distinct(am.c.user_id))).select_from(
            am.join(a, a.c.id == am.c.assignment_id).join(su, su.c.user_id == am.c.user_id)
        ).where(a.c.cancelled_at.is_(None), a.c.due_on < as_of.date(), ~done)
        if course_id is not None:
            stmt = stmt.where(a.c.course_id == course_id)
        for *k, n in session.execute(stmt.group_by(*g)):
            out[tuple(k)].overdue = n
    return out


def as_of_moment(period: Period, now: datetime) -> datetime:
    """Course figures are taken at the end of the period, or now if that is earlier."""
    return min(period.end_moment, now)


def course_report(session: Session, unit: OrgUnit, period: Period, *, now: datetime) -> list[CourseRow]:
    """Every course with enrolments in the subtree, and every published course."""
    figures = _course_figures(session, unit.path, as_of_moment(period, now), course_id=None, by_child=False)
    ids = {k[0] for k in figures}
    courses = session.scalars(select(Course).where(or_(Course.id.in_(ids), Course.status == "published"))
                              .order_by(Course.skill_type, Course.target_level, Course.code))
    return [CourseRow(c, figures.get((c.id,), CourseFigures())) for c in courses]


def course_by_unit(session: Session, unit: OrgUnit, course: Course, period: Period, *, now: datetime,
                   ) -> tuple[CourseFigures, list[CourseUnitRow]]:
    """One course in the subtree: the total, and one row per child unit (and the unit's own people)."""
    as_of = as_of_moment(period, now)
    total = _course_figures(session, unit.path, as_of, course_id=course.id, by_child=False).get((course.id,), CourseFigures())
    split = _course_figures(session, unit.path, as_of, course_id=course.id, by_child=True)
    children = list(session.scalars(select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.code)))
    with_children = set(session.scalars(
        select(OrgUnit.parent_id).where(OrgUnit.parent_id.in_([c.id for c in children])).distinct())) if children else set()
    rows = [CourseUnitRow(unit, True, False, split.get((course.id, unit.path), CourseFigures()))]
    rows += [CourseUnitRow(c, False, c.id in with_children, split.get((course.id, c.path), CourseFigures()))
             for c in children]
    return total, rows


# ---- learners and transcripts ----------------------------------------------------------

@dataclass
class LearnerRow:
    user: User
    unit: OrgUnit | None
    enrolled: int
    completed: int


def learners(session: Session, unit: OrgUnit, *, q: str = "", page: int = 1, per_page: int = 50,
             ) -> tuple[list[LearnerRow], int]:
    """People of the subtree (any status), filtered by name or username; one page and the total count."""
    base = select(User.id).join(OrgUnit, OrgUnit.id == User.org_unit_id).where(path_prefix(session, OrgUnit.path, unit.path))
    q = q.strip()
    if q:
        like = f"%{q}%"
        base = base.where(or_(User.username.ilike(like), User.full_name.ilike(like)))
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    ids = list(session.scalars(base.order_by(User.full_name, User.username).offset((page - 1) * per_page).limit(per_page)))
    if not ids:
        return [], total
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    units = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_({u.org_unit_id for u in users.values()})))}
    enrolled = dict(session.execute(select(Enrolment.user_id, func.count()).where(Enrolment.user_id.in_(ids))
                                    .group_by(Enrolment.user_id)).all())
    completed = dict(session.execute(select(CourseCompletion.user_id, func.count())
                                     .where(CourseCompletion.user_id.in_(ids)).group_by(CourseCompletion.user_id)).all())
    return [LearnerRow(users[i], units.get(users[i].org_unit_id), enrolled.get(i, 0), completed.get(i, 0))
            for i in ids], total


@dataclass
class TranscriptRow:
    course: Course
    enrolled_at: datetime
    completed_at: datetime | None
    score: float | None  # the completion's best score, else the best submitted attempt
    attempts: int
    passed: bool
    lessons_done: int
    lessons_total: int

    @property
    def status(self) -> str:
        return "completed" if self.completed_at else "in_progress"


def transcript(session: Session, user: User) -> list[TranscriptRow]:
    from lms.learn import services as learning

    rows = learning.my_learning(session, user_id=user.id)
    attempts = {course_id: (n, best, passed) for course_id, n, best, passed in session.execute(
        select(Quiz.course_id, func.count(), func.max(QuizAttempt.score),
               func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)))
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.submitted_at.is_not(None)).group_by(Quiz.course_id))}
    out = []
    for r in rows:
        n, best, passed = attempts.get(r.course.id, (0, None, 0))
        score = r.progress.score if r.progress.score is not None else best
        out.append(TranscriptRow(r.course, r.enrolment.enrolled_at, r.progress.completed_at, score, n, bool(passed),
                                 r.progress.lessons_done, r.progress.lessons_total))
    out.sort(key=lambda t: (t.completed_at is None, t.completed_at or t.enrolled_at), reverse=False)
    return out


__all__ = ["CELLS", "CoverageReport", "Figures", "Period", "coverage", "course_by_unit", "course_report",
           "learners", "transcript"]
