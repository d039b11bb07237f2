"""The coverage report's statements, built once per shape and then reused.

Every coverage report runs the same three statements with other parameters:
the figures of each child unit and category (one UNION ALL over the counters
and the headcounts in force), the completions per month, and the unit's
children. Building a statement and computing its cache key costs more than
running it over a province's counters, so each shape (database dialect x
scope kind x category filter x mode filter x counters read) is built once;
SQLAlchemy then reuses its compiled form and only the parameters change.

The people trained in each mode of training (trained_online, ...) are
figures of every report, kept beside the others in the same counters. With
a mode filter (`mode`), every other figure that comes from completions
(completed, trained and completions in the period, the cells) is read from
the counters by mode, for that mode only; headcount, registered and enrolled
stay those of everyone.

A scope is the set of org units a report sums over:
- "all": the whole (only) tree, no condition at all;
- "ids": the subtree's unit ids, as one parameter (a PostgreSQL array, an
  expanding IN on SQLite), so both planners read the counters by key;
- "pattern": a very large subtree, matched by its path prefix in the database.

No flask here.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import Integer, Select, String, any_, bindparam, case, exists, func, literal_column, select, true, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from lms.db import table_of
from lms.orgs.models import Headcount, OrgUnit
from lms.reports.models import (
    CELL_COLUMNS,
    MODE_COLUMNS,
    report_mode_months,
    report_mode_people,
    report_unit_months,
    report_unit_people,
)

SCOPE_KINDS = ("all", "ids", "pattern")

# The columns of the figures statement, after the child key and the category.
FIGURE_COLUMNS = ("headcount", "registered", "enrolled", "completed", "trained_in_period", "completions_in_period",
                  *CELL_COLUMNS, *MODE_COLUMNS)


def path_match(dialect: str, column, pattern):
    """`column` matches a path-prefix pattern (`prefix*` on SQLite, where GLOB
    uses the plain index on org_units.path; `prefix%` elsewhere)."""
    return column.op("GLOB")(pattern) if dialect == "sqlite" else column.like(pattern)


def path_pattern(dialect: str, prefix: str) -> str:
    if not prefix or any(ch not in "0123456789/" for ch in prefix):
        raise ValueError(f"not an org-unit path: {prefix!r}")  # paths hold only digits and '/'
    return prefix + ("*" if dialect == "sqlite" else "%")


def in_scope(dialect: str, kind: str, column):
    """`column` (an org unit id) is in the scope given by the parameters
    `scope_ids` or `scope_pattern`."""
    if kind == "all":
        return true()
    if kind == "ids":
        if dialect == "postgresql":
            return column == any_(bindparam("scope_ids", type_=ARRAY(Integer)))
        return column.in_(bindparam("scope_ids", expanding=True))
    if kind == "pattern":
        return column.in_(subtree_ids(dialect))
    raise ValueError(kind)


def child_key(dialect: str, path_column, prefix_length: int | None = None):
    """The path of the child of the report's unit that `path_column` lies under,
    or the unit's own path for its own rows. The length of the unit's path is
    parameter `prefix_length` unless given here."""
    plen = bindparam("prefix_length", prefix_length, type_=Integer)
    rest = func.substr(path_column, plen + 1)
    slash = func.strpos(rest, "/") if dialect == "postgresql" else func.instr(rest, "/")
    return func.substr(path_column, 1, plen + slash)


def by_unit_key(dialect: str, kind: str, column):
    """`column` as SQLite must see it in a subtree's conditions: wrapped ("+ 0",
    "|| ''") so that the planner reads the counters through their primary key
    (unit first) rather than an index on month or mode, which only pays for
    the whole tree."""
    if dialect != "sqlite" or kind == "all":
        return column
    return column.concat("") if isinstance(column.type, String) else column + 0


def _zero_except(values: dict) -> list:
    return [values.get(name, literal_column("0", Integer)).label(name) for name in FIGURE_COLUMNS]


def _headcounts_in_force(dialect: str, kind: str, with_category: bool):
    """Per unit and category the Headcount row in force on `on_date`: the one
    with the latest valid_from on or before it (unique per unit and category)."""
    h = table_of(Headcount)
    unit, category = h.c.org_unit_id, h.c.staff_category
    # Each twice as fast as numbering the rows with a window function (measured on both).
    if dialect == "postgresql":  # DISTINCT ON: the first row of each group, newest first
        rows = select(unit, category, h.c.headcount).distinct(unit, category) \
            .order_by(unit, category, h.c.valid_from.desc())
    else:  # SQLite: with max(), the other columns come from the row holding the maximum
        rows = select(unit, category, h.c.headcount, func.max(h.c.valid_from)).group_by(unit, category)
    rows = rows.where(h.c.valid_from <= bindparam("on_date"), in_scope(dialect, kind, unit))
    if with_category:
        rows = rows.where(category == bindparam("category"))
    latest = rows.subquery("h")
    return select(latest.c.org_unit_id, latest.c.staff_category, *_zero_except({"headcount": latest.c.headcount}))


def _people(dialect: str, kind: str, with_category: bool, *, read: str, since_start: bool = True):
    """The all-time counters per unit and category: registered and enrolled
    (as they are now whatever the period), and as `read` says: "everything"
    (the people trained overall, per cell and per mode: true of any period
    that ends after the last completion counted; and the period's own share
    unless `since_start`, when it comes from the months since the start),
    "modes" (the people trained per mode) or "placement" (nothing more)."""
    p = report_unit_people
    values = {"registered": p.c.registered, "enrolled": p.c.enrolled}
    if read in ("everything", "modes"):
        values.update({col: p.c[col] for col in MODE_COLUMNS})
    if read == "everything":
        values.update(completed=p.c.completed, **{col: p.c[col] for col in CELL_COLUMNS})
        if not since_start:
            values.update(trained_in_period=p.c.completed, completions_in_period=p.c.completions)
    stmt = select(p.c.org_unit_id, p.c.staff_category, *_zero_except(values)) \
        .where(in_scope(dialect, kind, p.c.org_unit_id))
    return stmt.where(p.c.staff_category == bindparam("category")) if with_category else stmt


def _mode_people(dialect: str, kind: str, with_category: bool, *, since_start: bool):
    """`_people`'s figures about completions, of mode `mode` only."""
    q = report_mode_people
    values = {"completed": q.c.completed, **{col: q.c[col] for col in CELL_COLUMNS}}
    if not since_start:
        values.update(trained_in_period=q.c.completed, completions_in_period=q.c.completions)
    stmt = select(q.c.org_unit_id, q.c.staff_category, *_zero_except(values)) \
        .where(q.c.mode == bindparam("mode"), in_scope(dialect, kind, q.c.org_unit_id))
    return stmt.where(q.c.staff_category == bindparam("category")) if with_category else stmt


def _months_in_period(dialect: str, kind: str, with_category: bool, *, with_mode: bool):
    """The period's own share (people first trained in it, completions in it)
    from the months since `start_month`, of mode `mode` if `with_mode`: all
    that a period ending after the last counted month needs from the months."""
    m = report_mode_months if with_mode else report_unit_months
    values = {"trained_in_period": func.sum(m.c.first_any), "completions_in_period": func.sum(m.c.completions)}
    stmt = select(m.c.org_unit_id, m.c.staff_category, *_zero_except(values)) \
        .where(by_unit_key(dialect, kind, m.c.month) >= bindparam("start_month"), in_scope(dialect, kind, m.c.org_unit_id))
    if with_category:
        stmt = stmt.where(m.c.staff_category == bindparam("category"))
    if with_mode:
        stmt = stmt.where(by_unit_key(dialect, kind, m.c.mode) == bindparam("mode"))
    return stmt.group_by(m.c.org_unit_id, m.c.staff_category)


def _months_until_end(dialect: str, kind: str, with_category: bool, *, read: str):
    """Per unit and category, the month counters summed up to the period's end
    (`end_month`), the period's own share from `start_month` on. `read`:
    "everything" (every figure about completions, and per mode), "modes" (the
    people trained per mode only) or "of_mode" (every figure about
    completions, of mode `mode`, from the counters by mode)."""
    m = report_mode_months if read == "of_mode" else report_unit_months
    in_period = m.c.month >= bindparam("start_month")
    values = {} if read == "modes" else {
        "completed": func.sum(m.c.first_any),
        "trained_in_period": func.sum(case((in_period, m.c.first_any), else_=0)),
        "completions_in_period": func.sum(case((in_period, m.c.completions), else_=0)),
        **{col: func.sum(m.c[col]) for col in CELL_COLUMNS}}
    if read != "of_mode":
        values.update({col: func.sum(m.c[col]) for col in MODE_COLUMNS})
    stmt = select(m.c.org_unit_id, m.c.staff_category, *_zero_except(values)) \
        .where(m.c.month <= bindparam("end_month"), in_scope(dialect, kind, m.c.org_unit_id))
    if with_category:
        stmt = stmt.where(m.c.staff_category == bindparam("category"))
    if read == "of_mode":
        stmt = stmt.where(by_unit_key(dialect, kind, m.c.mode) == bindparam("mode"))
    return stmt.group_by(m.c.org_unit_id, m.c.staff_category)


@cache
def figures_by_child(dialect: str, kind: str, with_category: bool, through_now: bool, with_mode: bool = False,
                     with_start: bool = False):
    """(child key, category, *FIGURE_COLUMNS) over the scope, in one statement.

    `through_now`: nothing was counted after the period's end, so the people
    trained by then are the all-time counters, and only the period's own
    share (with a start) is read from the months since the start. Otherwise
    the months are summed up to the end.

    Parameters: prefix_length, on_date, the scope's, category (if filtered),
    mode (if filtered), start_month (with a start) and unless `through_now`
    end_month."""
    parts = [_headcounts_in_force(dialect, kind, with_category)]
    if through_now:
        # With a mode, the people trained per mode still come from everyone's counters.
        parts.append(_people(dialect, kind, with_category, read="modes" if with_mode else "everything",
                             since_start=with_start))
        if with_mode:
            parts.append(_mode_people(dialect, kind, with_category, since_start=with_start))
        if with_start:
            parts.append(_months_in_period(dialect, kind, with_category, with_mode=with_mode))
    else:
        parts.append(_people(dialect, kind, with_category, read="placement"))
        parts.append(_months_until_end(dialect, kind, with_category, read="modes" if with_mode else "everything"))
        if with_mode:
            parts.append(_months_until_end(dialect, kind, with_category, read="of_mode"))
    rows = union_all(*parts).subquery("f")
    key = child_key(dialect, OrgUnit.path).label("k")
    stmt = select(key, rows.c.staff_category, *[func.sum(rows.c[name]) for name in FIGURE_COLUMNS]) \
        .join(OrgUnit, OrgUnit.id == rows.c.org_unit_id).group_by(key, rows.c.staff_category)
    if dialect == "postgresql":  # read only the subtree's units, by key, rather than hash all of them
        stmt = stmt.where(in_scope(dialect, kind, OrgUnit.id))
    return stmt


@cache
def completions_per_month(dialect: str, kind: str, with_category: bool, with_mode: bool = False):
    """(month, completions, people trained for the first time) for the months
    first_month..last_month over the scope (in mode `mode` if `with_mode`)."""
    m = report_mode_months if with_mode else report_unit_months
    month = by_unit_key(dialect, kind, m.c.month)
    stmt = select(m.c.month, func.sum(m.c.completions), func.sum(m.c.first_any)).where(
        month >= bindparam("first_month"), month <= bindparam("last_month"), in_scope(dialect, kind, m.c.org_unit_id))
    if with_category:
        stmt = stmt.where(m.c.staff_category == bindparam("category"))
    if with_mode:
        stmt = stmt.where(by_unit_key(dialect, kind, m.c.mode) == bindparam("mode"))
    return stmt.group_by(m.c.month)


def _children() -> Select[tuple[OrgUnit, bool]]:
    child = aliased(OrgUnit)
    has_children = exists().where(child.parent_id == OrgUnit.id)
    return select(OrgUnit, has_children).where(OrgUnit.parent_id == bindparam("unit_id")).order_by(OrgUnit.code)


# (OrgUnit, has children) for the children of the unit `unit_id`, by code.
CHILDREN = _children()

LAST_COUNTED_MONTH = select(func.max(report_unit_months.c.month))

ROOT_COUNT = select(func.count()).select_from(OrgUnit).where(OrgUnit.parent_id.is_(None))


@cache
def subtree_ids(dialect: str):
    """The ids of the units whose path matches `scope_pattern`."""
    return select(OrgUnit.id).where(path_match(dialect, OrgUnit.path, bindparam("scope_pattern")))


__all__ = ["CHILDREN", "FIGURE_COLUMNS", "MODE_COLUMNS", "LAST_COUNTED_MONTH", "ROOT_COUNT", "SCOPE_KINDS", "child_key",
           "completions_per_month", "figures_by_child", "in_scope", "path_match", "path_pattern", "subtree_ids"]
