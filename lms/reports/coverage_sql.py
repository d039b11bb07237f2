"""The coverage report's statements, built once per shape and then reused.

Every coverage report runs the same three statements with other parameters:
the figures of each child unit and category (one UNION ALL over the counters
and the headcounts in force), the completions per month, and the unit's
children. Building a statement and computing its cache key costs more than
running it over a province's counters, so each shape (database dialect x
scope kind x category filter x mode filter x counters read) is built once;
SQLAlchemy then reuses its compiled form and only the parameters change.

With a mode of training (`mode`), every figure that comes from completions
(completed, trained and completions in the period, the cells) is read from
the counters by mode for that mode only; headcount, registered and enrolled
stay those of everyone. The people trained in each mode (trained_online, ...)
are figures of every report.

A scope is the set of org units a report sums over:
- "all": the whole (only) tree, no condition at all;
- "ids": the subtree's unit ids, as one parameter (a PostgreSQL array, an
  expanding IN on SQLite), so both planners read the counters by key;
- "pattern": a very large subtree, matched by its path prefix in the database.

No flask here.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import Integer, Select, and_, any_, bindparam, case, exists, func, literal_column, select, true, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from lms.courses.models import DELIVERY_MODES
from lms.db import table_of
from lms.orgs.models import Headcount, OrgUnit
from lms.reports.models import CELL_COLUMNS, report_mode_months, report_mode_people, report_unit_months, report_unit_people

SCOPE_KINDS = ("all", "ids", "pattern")

# People trained in each mode of training (a person trained two ways counts in both).
MODE_COLUMNS = tuple(f"trained_{mode}" for mode in DELIVERY_MODES)

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


def _people(dialect: str, kind: str, with_category: bool, *, all_time: bool):
    """The all-time counters per unit and category. With `all_time` they give
    every figure ("as of now"); otherwise only registered and enrolled, which
    are as they are now whatever the period."""
    p = report_unit_people
    values = {"registered": p.c.registered, "enrolled": p.c.enrolled}
    if all_time:
        values.update(completed=p.c.completed, trained_in_period=p.c.completed, completions_in_period=p.c.completions,
                      **{col: p.c[col] for col in CELL_COLUMNS})
    stmt = select(p.c.org_unit_id, p.c.staff_category, *_zero_except(values)) \
        .where(in_scope(dialect, kind, p.c.org_unit_id))
    return stmt.where(p.c.staff_category == bindparam("category")) if with_category else stmt


def _months_until_end(dialect: str, kind: str, with_category: bool):
    """Per unit and category, the month counters summed up to the period's end
    (`end_month`), the period's own share from `start_month` on."""
    m = report_unit_months
    in_period = m.c.month >= bindparam("start_month")
    values = {"completed": func.sum(m.c.first_any),
              "trained_in_period": func.sum(case((in_period, m.c.first_any), else_=0)),
              "completions_in_period": func.sum(case((in_period, m.c.completions), else_=0)),
              **{col: func.sum(m.c[col]) for col in CELL_COLUMNS}}
    stmt = select(m.c.org_unit_id, m.c.staff_category, *_zero_except(values)) \
        .where(m.c.month <= bindparam("end_month"), in_scope(dialect, kind, m.c.org_unit_id))
    if with_category:
        stmt = stmt.where(m.c.staff_category == bindparam("category"))
    return stmt.group_by(m.c.org_unit_id, m.c.staff_category)


def _mode_people(dialect: str, kind: str, with_category: bool, with_mode: bool):
    """All time, from the counters by mode: the people trained in each mode,
    and with `with_mode` every completion figure of mode `mode`."""
    q = report_mode_people
    values = {f"trained_{mode}": case((q.c.mode == mode, q.c.completed), else_=0) for mode in DELIVERY_MODES}
    if with_mode:
        chosen = q.c.mode == bindparam("mode")
        values.update({name: case((chosen, q.c[column]), else_=0) for name, column in (
            ("completed", "completed"), ("trained_in_period", "completed"), ("completions_in_period", "completions"),
            *[(col, col) for col in CELL_COLUMNS])})
    stmt = select(q.c.org_unit_id, q.c.staff_category, *_zero_except(values)) \
        .where(in_scope(dialect, kind, q.c.org_unit_id))
    return stmt.where(q.c.staff_category == bindparam("category")) if with_category else stmt


def _mode_months_until_end(dialect: str, kind: str, with_category: bool, with_mode: bool):
    """`_mode_people` for a period: the month counters by mode summed up to its end."""
    m = report_mode_months
    values = {f"trained_{mode}": func.sum(case((m.c.mode == mode, m.c.first_any), else_=0)) for mode in DELIVERY_MODES}
    if with_mode:
        chosen = m.c.mode == bindparam("mode")
        in_period = and_(chosen, m.c.month >= bindparam("start_month"))
        values.update(completed=func.sum(case((chosen, m.c.first_any), else_=0)),
                      trained_in_period=func.sum(case((in_period, m.c.first_any), else_=0)),
                      completions_in_period=func.sum(case((in_period, m.c.completions), else_=0)),
                      **{col: func.sum(case((chosen, m.c[col]), else_=0)) for col in CELL_COLUMNS})
    stmt = select(m.c.org_unit_id, m.c.staff_category, *_zero_except(values)) \
        .where(m.c.month <= bindparam("end_month"), in_scope(dialect, kind, m.c.org_unit_id))
    if with_category:
        stmt = stmt.where(m.c.staff_category == bindparam("category"))
    return stmt.group_by(m.c.org_unit_id, m.c.staff_category)


@cache
def figures_by_child(dialect: str, kind: str, with_category: bool, all_time: bool, with_mode: bool = False):
    """(child key, category, *FIGURE_COLUMNS) over the scope, in one statement.

    Parameters: prefix_length, on_date, the scope's, category (if filtered),
    mode (if filtered), and unless `all_time` start_month and end_month."""
    parts = [_people(dialect, kind, with_category, all_time=all_time and not with_mode),
             _headcounts_in_force(dialect, kind, with_category)]
    if all_time:
        parts.append(_mode_people(dialect, kind, with_category, with_mode))
    else:
        if not with_mode:
            parts.append(_months_until_end(dialect, kind, with_category))
        parts.append(_mode_months_until_end(dialect, kind, with_category, with_mode))
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
    # A subtree is read through the primary key (unit first); "+ 0" keeps SQLite
    # from choosing the month index for it, which only pays for the whole tree.
    month = m.c.month + 0 if dialect == "sqlite" and kind != "all" else m.c.month
    stmt = select(m.c.month, func.sum(m.c.completions), func.sum(m.c.first_any)).where(
        month >= bindparam("first_month"), month <= bindparam("last_month"), in_scope(dialect, kind, m.c.org_unit_id))
    if with_category:
        stmt = stmt.where(m.c.staff_category == bindparam("category"))
    if with_mode:
        stmt = stmt.where(m.c.mode == bindparam("mode"))
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
