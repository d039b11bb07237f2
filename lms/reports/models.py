"""Counter (roll-up) tables behind the coverage reports.

They hold, per org unit and staff category, what the reports sum over a
subtree, so a national report reads a few hundred thousand narrow rows instead
of every completion. They are maintained by lms.reports.counters in the same
transaction as the change they count, and can be rebuilt from the raw rows at
any time (`flask --app app lms rebuild-report-counters`).

Months are integers yyyymm (UTC calendar months, like every stored time).
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table

from lms.db import Base
from lms.enums import DELIVERY_MODES, SKILL_TYPES, TARGET_LEVELS

# The 3 x 3 cells of the catalogue, in display order, and their column names.
CELLS: tuple[tuple[str, str], ...] = tuple((s, t) for s in SKILL_TYPES for t in TARGET_LEVELS)


def cell_column(skill_type: str, target_level: str) -> str:
    return f"{skill_type.replace('-', '_')}_{target_level}"


CELL_COLUMNS: tuple[str, ...] = tuple(cell_column(s, t) for s, t in CELLS)

# People trained in each mode of training (a person trained two ways counts in both).
MODE_COLUMNS: tuple[str, ...] = tuple(f"trained_{mode}" for mode in DELIVERY_MODES)

# What was counted for each user: where (unit, category, counted = active and
# placed in a unit), whether enrolled, and the months of their first completion
# overall and in each cell. A change of the user or of their learning is
# applied to the counters as the difference between this and the new state.
report_learners = Table(
    "report_learners", Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("org_unit_id", Integer, nullable=True),
    Column("staff_category", String(16), nullable=False),
    Column("counted", Boolean, nullable=False),
    Column("enrolled", Boolean, nullable=False),
    Column("first_month", Integer, nullable=True),
    *[Column(name, Integer, nullable=True) for name in CELL_COLUMNS],
)

# All-time figures per unit and category: registered (active users), enrolled
# (with an enrolment), completed (with a completion), completions, per cell
# the people with a completion in it, and per mode of training the people with
# a completion of that mode. "As of now" reports read only this table.
report_unit_people = Table(
    "report_unit_people", Base.metadata,
    Column("org_unit_id", ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_category", String(16), primary_key=True),
    Column("registered", Integer, nullable=False),
    Column("enrolled", Integer, nullable=False),
    Column("completed", Integer, nullable=False),
    Column("completions", Integer, nullable=False),
    *[Column(name, Integer, nullable=False) for name in CELL_COLUMNS],
    *[Column(name, Integer, nullable=False, server_default="0") for name in MODE_COLUMNS],
    sqlite_with_rowid=False,  # clustered by (unit, category): a subtree is read in index order
)

# Per unit, category and month: course completions recorded that month, people
# whose FIRST completion fell that month (first_any), per cell the people
# whose first completion in that cell fell that month, and per mode the people
# whose first completion of that mode fell that month. Summing a column over
# the months up to a date gives the people trained by that date.
report_unit_months = Table(
    "report_unit_months", Base.metadata,
    Column("org_unit_id", ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_category", String(16), primary_key=True),
    Column("month", Integer, primary_key=True),
    Column("completions", Integer, nullable=False),
    Column("first_any", Integer, nullable=False),
    *[Column(name, Integer, nullable=False) for name in CELL_COLUMNS],
    *[Column(name, Integer, nullable=False, server_default="0") for name in MODE_COLUMNS],
    Index("ix_report_unit_months_month", "month", "staff_category", "completions", "first_any"),
    sqlite_with_rowid=False,  # clustered by (unit, category, month)
)

MONTH_COUNTERS: tuple[str, ...] = ("completions", "first_any", *CELL_COLUMNS, *MODE_COLUMNS)
PEOPLE_COUNTERS: tuple[str, ...] = ("registered", "enrolled", "completed", "completions", *CELL_COLUMNS, *MODE_COLUMNS)

# ---- the same by mode of training (online | classroom | blended) -----------------
# What the mode filter of the coverage report reads: the tables above, with
# the mode in the key. A person counts under every mode they were trained in
# (a completion's CourseCompletion.mode).

# Per person and mode they have a completion in: the months of their first
# completion in that mode overall and in each cell (what was counted).
report_learner_modes = Table(
    "report_learner_modes", Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("mode", String(16), primary_key=True),
    Column("first_month", Integer, nullable=True),
    *[Column(name, Integer, nullable=True) for name in CELL_COLUMNS],
    sqlite_with_rowid=False,
)

report_mode_people = Table(
    "report_mode_people", Base.metadata,
    Column("org_unit_id", ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_category", String(16), primary_key=True),
    Column("mode", String(16), primary_key=True),
    Column("completed", Integer, nullable=False),
    Column("completions", Integer, nullable=False),
    *[Column(name, Integer, nullable=False) for name in CELL_COLUMNS],
    sqlite_with_rowid=False,
)

report_mode_months = Table(
    "report_mode_months", Base.metadata,
    Column("org_unit_id", ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_category", String(16), primary_key=True),
    Column("mode", String(16), primary_key=True),
    Column("month", Integer, primary_key=True),
    Column("completions", Integer, nullable=False),
    Column("first_any", Integer, nullable=False),
    *[Column(name, Integer, nullable=False) for name in CELL_COLUMNS],
    # The monthly series of the whole tree in one mode, read from the index alone.
    Index("ix_report_mode_months_month", "mode", "month", "staff_category", "completions", "first_any"),
    sqlite_with_rowid=False,
)

MODE_PEOPLE_COUNTERS: tuple[str, ...] = ("completed", "completions", *CELL_COLUMNS)
MODE_MONTH_COUNTERS: tuple[str, ...] = ("completions", "first_any", *CELL_COLUMNS)
