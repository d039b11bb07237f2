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
  least one course of that cell by the end of the period;
- trained online / in class / blended: people with at least one completion
  of that mode of training (CourseCompletion.mode) by the end of the period
  (someone trained two ways counts in both). With a mode filter, every
  completion figure above counts the completions of that mode only.
People count under their current unit and category. Periods are whole UTC
calendar months.
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session, aliased

from lms.assignments.models import Assignment, AssignmentMember
from lms.auth.models import User
from lms.courses.models import DELIVERY_MODES, Course, Quiz
from lms.db import table_of
from lms.dbutil import any_contains
from lms.enums import STAFF_CATEGORIES
from lms.learn import services as learning
from lms.learn.models import CourseCompletion, Enrolment, QuizAttempt
from lms.orgs.models import OrgUnit
from lms.reports import coverage_sql as sql
from lms.reports.models import CELL_COLUMNS, CELLS
from lms.zones import local_date, start_of_local_day

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
        """The first instant after the period in the site zone, as a stored
        (naive UTC) time: the exclusive bound on DateTime columns."""
        return start_of_local_day(self.end_date + timedelta(days=1))

    @property
    def start_date(self) -> date | None:
        return month_first_day(self.start) if self.start else None

    def chart_months(self) -> list[int]:
        first = self.start or month_add(self.end, -(CHART_MONTHS - 1))
        months: list[int] = []
        m = first
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
    # People trained per mode of training: {"online": n, "classroom": n, "blended": n}.
    modes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DELIVERY_MODES, 0))

    def add(self, other: Figures) -> None:
        for name in ("headcount", "registered", "enrolled", "completed", "trained_in_period", "completions_in_period"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for column in CELL_COLUMNS:
            self.cells[column] += other.cells[column]
        for mode in DELIVERY_MODES:
            self.modes[mode] += other.modes[mode]

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
                "registered_exceeds_headcount": self.over_registered,
                "trained_by_mode": dict(self.modes)}


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
    mode: str | None
    categories: list[str]
    by_category: dict[str, Figures]
    total: Figures
    rows: list[UnitRow]
    months: list[MonthPoint]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def path_prefix(session: Session, column, prefix: str):
    """`column` starts with `prefix` (a bound parameter, so the statement is compiled once)."""
    dialect = _dialect(session)
    return sql.path_match(dialect, column, sql.path_pattern(dialect, prefix))


def child_key(session: Session, path_column, prefix: str):
    """The path of the child of `prefix` that `path_column` lies under (or
    `prefix` itself for the unit's own rows)."""
    return sql.child_key(_dialect(session), path_column, len(prefix))


@dataclass(frozen=True)
class Scope:
    """The org units a coverage report sums over, as statement parameters (see lms.reports.coverage_sql)."""

    kind: str
    params: dict


HUGE_SUBTREE = 20_000  # more units than this: the database matches the paths itself


def report_scope(session: Session, unit: OrgUnit) -> Scope:
    """For the root of the only tree, every row (no condition: the national
    report reads the counters straight through). Otherwise the subtree's ids
    themselves, looked up once per report: both planners then read the
    counters by key with exact estimates (PostgreSQL misjudges LIKE on paths)."""
    dialect = _dialect(session)
    conn = session.connection()
    if unit.parent_id is None and conn.execute(sql.ROOT_COUNT).scalar_one() == 1:
        return Scope("all", {})
    pattern = sql.path_pattern(dialect, unit.path)
    ids = list(conn.execute(sql.subtree_ids(dialect), {"scope_pattern": pattern}).scalars())
    if len(ids) > HUGE_SUBTREE:
        return Scope("pattern", {"scope_pattern": pattern})
    return Scope("ids", {"scope_ids": ids})


def coverage(session: Session, unit: OrgUnit, period: Period, *, category: str | None = None,
             mode: str | None = None) -> CoverageReport:
    """Coverage of `unit`'s subtree, per category, per cell, per mode of
    training and per child unit; with `mode`, of the training of that mode."""
    categories = [category] if category else list(STAFF_CATEGORIES)
    dialect = _dialect(session)
    conn = session.connection()
    scope = report_scope(session, unit)
    params = {**scope.params, "prefix_length": len(unit.path), "on_date": period.end_date}
    if category:
        params["category"] = category
    if mode:
        params["mode"] = mode
    # A period that ends after the last completion counted (the usual "up to
    # now") reads the all-time counters, and the months only for its own
    # share since its start; an earlier end sums the months up to it.
    last = conn.execute(sql.LAST_COUNTED_MONTH).scalar()
    through_now = last is None or last <= period.end
    if period.start:
        params["start_month"] = period.start
    if not through_now:
        params.update(start_month=period.start or 0, end_month=period.end)

    figures = _figures_table(categories)  # child path -> category -> Figures
    statement = sql.figures_by_child(dialect, scope.kind, bool(category), through_now, bool(mode), bool(period.start))
    cells_end = 6 + len(CELL_COLUMNS)
    for k, cat, *values in conn.execute(statement, params):
        f = figures[k][cat]
        (f.headcount, f.registered, f.enrolled, f.completed, f.trained_in_period,
         f.completions_in_period) = (int(v or 0) for v in values[:6])
        f.cells = {col: int(v or 0) for col, v in zip(CELL_COLUMNS, values[6:cells_end], strict=True)}
        f.modes = {m: int(v or 0) for m, v in zip(DELIVERY_MODES, values[cells_end:], strict=True)}

    by_category = {c: Figures() for c in categories}
    for per_cat in figures.values():
        for c, f in per_cat.items():
            by_category[c].add(f)
    total = Figures()
    for f in by_category.values():
        total.add(f)
    rows = [UnitRow(unit, own=True, has_children=False, figures=_sum(figures.get(unit.path), categories))]
    rows += [UnitRow(child, own=False, has_children=has_children, figures=_sum(figures.get(child.path), categories))
             for child, has_children in children_of(session, unit)]
    return CoverageReport(unit=unit, period=period, category=category, mode=mode, categories=categories,
                          by_category=by_category, total=total, rows=rows,
                          months=_completions_per_month(session, scope, period, category, mode))


def children_of(session: Session, unit: OrgUnit) -> list[tuple[OrgUnit, bool]]:
    """The unit's children by code, each with whether it has children itself."""
    return [(child, bool(has)) for child, has in session.execute(sql.CHILDREN, {"unit_id": unit.id})]


def _figures_table(categories):
    return defaultdict(lambda: {c: Figures() for c in categories})


def _sum(per_cat: dict | None, categories) -> Figures:
    total = Figures()
    for c in categories:
        if per_cat and c in per_cat:
            total.add(per_cat[c])
    return total


def _completions_per_month(session: Session, scope: Scope, period: Period, category: str | None,
                           mode: str | None) -> list[MonthPoint]:
    months = period.chart_months()
    params = {**scope.params, "first_month": months[0], "last_month": months[-1]}
    if category:
        params["category"] = category
    if mode:
        params["mode"] = mode
    statement = sql.completions_per_month(_dialect(session), scope.kind, bool(category), bool(mode))
    found = {month: (int(c or 0), int(t or 0)) for month, c, t in session.connection().execute(statement, params)}
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
    recorded: int = 0  # of the completed: training done elsewhere (lms.evaluations.recorded)
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
    e, cc = table_of(Enrolment), table_of(CourseCompletion)
    out: dict[tuple, CourseFigures] = defaultdict(CourseFigures)

    def group(course_col):
        return [course_col, su.c.k] if by_child else [course_col]

    # enrolled and completed (completion by the as-of moment)
    g = group(e.c.course_id)
    stmt = select(*g, func.count(), func.count(cc.c.id), func.count(case((cc.c.source == "recorded", cc.c.id)))).select_from(
        e.join(su, su.c.user_id == e.c.user_id).outerjoin(
            cc, and_(cc.c.user_id == e.c.user_id, cc.c.course_id == e.c.course_id, cc.c.completed_at < as_of))
    ).where(e.c.enrolled_at < as_of)
    if course_id is not None:
        stmt = stmt.where(e.c.course_id == course_id)
    for *k, enrolled, completed, recorded in session.execute(stmt.group_by(*g)):
        out[tuple(k)].enrolled, out[tuple(k)].completed, out[tuple(k)].recorded = enrolled, completed, recorded

    # quiz: per learner best score and whether any attempt passed, then per course
    qa = table_of(QuizAttempt)
    per_learner = select(*group(Quiz.course_id), qa.c.user_id, func.max(qa.c.score).label("best"),
                         func.max(case((qa.c.passed.is_(True), 1), else_=0)).label("passed")) \
        .select_from(qa.join(Quiz, Quiz.id == qa.c.quiz_id).join(su, su.c.user_id == qa.c.user_id)) \
        .where(qa.c.submitted_at.is_not(None), qa.c.submitted_at < as_of)
    if course_id is not None:
        per_learner = per_learner.where(Quiz.course_id == course_id)
    pl = per_learner.group_by(*group(Quiz.course_id), qa.c.user_id).subquery("pl")
    g = [pl.c.course_id, pl.c.k] if by_child else [pl.c.course_id]
    stmt = select(*g, func.count(), func.sum(pl.c.passed), func.avg(pl.c.best)).group_by(*g)
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
    ds = d.subquery("d")
    g = [ds.c.course_id, ds.c.k] if by_child else [ds.c.course_id]
    stmt = select(*g, func.avg(ds.c.days)).where(or_(ds.c.rn == (ds.c.n + 1) // 2, ds.c.rn == (ds.c.n + 2) // 2)).group_by(*g)
    for *k, median in session.execute(stmt):
        out[tuple(k)].median_days = float(median) if median is not None else None

    a, am = table_of(Assignment), table_of(AssignmentMember)
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


def review_overdue(today: date):
    """A published course whose review date is past (SQL criterion)."""
    return and_(Course.status == "published", Course.review_by < today)


def course_report(session: Session, unit: OrgUnit, period: Period, *, now: datetime,
                  mode: str | None = None, review_overdue_only: bool = False) -> list[CourseRow]:
    """Every course with enrolments in the subtree, and every published course;
    `mode`: only the courses of that mode of training (Course.delivery_mode);
    `review_overdue_only`: only the published courses past their review date."""
    figures = _course_figures(session, unit.path, as_of_moment(period, now), course_id=None, by_child=False)
    ids = {k[0] for k in figures}
    wanted = select(Course).where(review_overdue(local_date(now)) if review_overdue_only
                                  else or_(Course.id.in_(ids), Course.status == "published"))
    if mode is not None:
        wanted = wanted.where(Course.delivery_mode == mode)
    courses = session.scalars(wanted.order_by(Course.skill_type, Course.target_level, Course.code))
    return [CourseRow(c, figures.get((c.id,), CourseFigures())) for c in courses]


def course_by_unit(session: Session, unit: OrgUnit, course: Course, period: Period, *, now: datetime,
                   ) -> tuple[CourseFigures, list[CourseUnitRow]]:
    """One course in the subtree: the total, and one row per child unit (and the unit's own people)."""
    as_of = as_of_moment(period, now)
    total = _course_figures(session, unit.path, as_of, course_id=course.id, by_child=False).get((course.id,), CourseFigures())
    split = _course_figures(session, unit.path, as_of, course_id=course.id, by_child=True)
    rows = [CourseUnitRow(unit, True, False, split.get((course.id, unit.path), CourseFigures()))]
    rows += [CourseUnitRow(c, False, has_children, split.get((course.id, c.path), CourseFigures()))
             for c, has_children in children_of(session, unit)]
    return total, rows


# ---- learners and transcripts ----------------------------------------------------------

@dataclass
class LearnerRow:
    user: User
    unit: OrgUnit | None
    enrolled: int
    completed: int


def learners(session: Session, unit: OrgUnit, *, q: str = "", page: int = 1, per_page: int = 50,
             profession: str | None = None) -> tuple[list[LearnerRow], int]:
    """People of the subtree (any status), filtered by name or username; one page and the total count."""
    base = select(User.id).join(OrgUnit, OrgUnit.id == User.org_unit_id) \
        .where(*_learner_criteria(session, unit.path, q, profession))
    total = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    ids = list(session.scalars(base.order_by(User.full_name, User.username).offset((page - 1) * per_page).limit(per_page)))
    if not ids:
        return [], total
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    units = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_({u.org_unit_id for u in users.values()})))}
    enrolled: dict[int, int] = {uid: n for uid, n in session.execute(
        select(Enrolment.user_id, func.count()).where(Enrolment.user_id.in_(ids)).group_by(Enrolment.user_id))}
    completed: dict[int, int] = {uid: n for uid, n in session.execute(
        select(CourseCompletion.user_id, func.count()).where(CourseCompletion.user_id.in_(ids))
        .group_by(CourseCompletion.user_id))}
    return [LearnerRow(users[i], units.get(users[i].org_unit_id or 0), enrolled.get(i, 0), completed.get(i, 0))
            for i in ids], total


def _learner_criteria(session: Session, unit_path: str, q: str, profession: str | None = None) -> list:
    """The people `learners` and `all_learners` list: placed in the subtree, matching the search
    (and of the profession, when given)."""
    criteria = [path_prefix(session, OrgUnit.path, unit_path)]
    if profession:
        criteria.append(User.profession == profession)
    q = q.strip()
    if q:
        criteria.append(any_contains(q, User.username, User.full_name))
    return criteria


class LearnerLine(NamedTuple):
    username: str
    full_name: str
    staff_category: str
    unit_code: str
    unit_name: str
    status: str
    enrolled: int
    completed: int


def all_learners(session: Session, unit_path: str, *, q: str = "", chunk: int = 1000,
                 profession: str | None = None) -> Iterator[LearnerLine]:
    """Every person `learners` pages through (same people, same order), for
    the exports: one statement, fetched `chunk` rows at a time (a server-side
    cursor on PostgreSQL), so memory does not grow with the subtree. The
    session must stay open until the iterator is exhausted or closed."""
    enrolled = select(func.count()).select_from(Enrolment).where(Enrolment.user_id == User.id).scalar_subquery()
    completed = select(func.count()).select_from(CourseCompletion).where(CourseCompletion.user_id == User.id) \
        .scalar_subquery()
    stmt = (select(User.username, User.full_name, User.staff_category, OrgUnit.code, OrgUnit.name, User.status,
                   enrolled, completed)
            .join(OrgUnit, OrgUnit.id == User.org_unit_id).where(*_learner_criteria(session, unit_path, q, profession))
            .order_by(User.full_name, User.username).execution_options(yield_per=chunk))
    result = session.execute(stmt)
    try:
        for row in result:
            yield LearnerLine(*row)
    finally:
        result.close()


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
    # Training done elsewhere (lms.evaluations.recorded): who recorded it, when, where, the evidence.
    recorded: RecordedInfo | None = None
    mode: str | None = None  # the completion's mode of training (online | classroom | blended)

    @property
    def status(self) -> str:
        return "completed" if self.completed_at else "in_progress"


@dataclass
class RecordedInfo:
    by: str  # the recorder's name ("" once their account is gone)
    at: datetime
    place: str
    evidence: str


def transcript(session: Session, user: User) -> list[TranscriptRow]:
    rows = learning.my_learning(session, user_id=user.id)
    attempts = {course_id: (n, best, passed) for course_id, n, best, passed in session.execute(
        select(Quiz.course_id, func.count(), func.max(QuizAttempt.score),
               func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)))
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.submitted_at.is_not(None)).group_by(Quiz.course_id))}
    recorder = aliased(User)
    recorded: dict[int, RecordedInfo] = {}
    modes: dict[int, str] = {}
    for course_id, mode, source, name, username, at, place, evidence in session.execute(
            select(CourseCompletion.course_id, CourseCompletion.mode, CourseCompletion.source, recorder.full_name,
                   recorder.username, CourseCompletion.recorded_at, CourseCompletion.recorded_place,
                   CourseCompletion.recorded_evidence)
            .outerjoin(recorder, recorder.id == CourseCompletion.recorded_by_id)
            .where(CourseCompletion.user_id == user.id)):
        modes[course_id] = mode
        if source == "recorded":
            recorded[course_id] = RecordedInfo(name or username or "", at, place, evidence)
    out = []
    for r in rows:
        n, best, passed = attempts.get(r.course.id, (0, None, 0))
        score = r.progress.score if r.progress.score is not None else best
        out.append(TranscriptRow(r.course, r.enrolment.enrolled_at, r.progress.completed_at, score, n, bool(passed),
                                 r.progress.lessons_done, r.progress.lessons_total, recorded.get(r.course.id),
                                 modes.get(r.course.id)))
    out.sort(key=lambda t: (t.completed_at is None, t.completed_at or t.enrolled_at), reverse=False)
    return out


__all__ = ["CELLS", "CoverageReport", "Figures", "Period", "all_learners", "coverage", "course_by_unit", "course_report",
           "learners", "transcript"]
