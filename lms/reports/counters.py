"""Keep the report counters (lms.reports.models) in step with the raw rows.

The counters follow the record events of lms.events; every subscriber runs
inside the caller's transaction, so a counter can never disagree with the
change it counts:

- `course_completed(session, user_id=, course_id=)`: right after a course
  completion row was inserted (lms.learn.services.complete_course_if_done);
- `sync_user(session, user_id=)` (event `user_changed`): after a user is
  created, enrolled, moved to another unit, given another staff category,
  deactivated or reactivated;
- `users_changed(session, user_ids=)`: the same for many people at once
  (imports);
- `enrolments_added(session, user_ids=)`: people enrolled in bulk
  (assignments);
- `course_reclassified(session, course_id=)`: a course now counts in another
  skill type x target level cell.

Every figure about completions is also kept per mode of training (the
completion's `mode`: online, classroom or blended) in report_learner_modes,
report_mode_people and report_mode_months, in the same steps.

All work the same way: lock the user's row of report_learners (what was
counted for them), compute what must be counted now from their own raw rows
(a handful of indexed rows), and add the difference to the counters. So a hook
called twice, or for a change that does not matter to reports, changes
nothing. `rebuild(session)` recomputes all of it from the raw rows in a few
set-based statements (after restores; `flask lms rebuild-report-counters`).

No flask here.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, case, delete, exists, func, insert, literal, select, true, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lms import events
from lms.auth.models import User
from lms.courses.models import Course
from lms.db import table_of
from lms.enums import DELIVERY_MODES
from lms.learn.models import CourseCompletion, Enrolment
from lms.reports.models import (
    CELL_COLUMNS,
    CELLS,
    MODE_MONTH_COUNTERS,
    MODE_PEOPLE_COUNTERS,
    MONTH_COUNTERS,
    PEOPLE_COUNTERS,
    cell_column,
    report_learner_modes,
    report_learners,
    report_mode_months,
    report_mode_people,
    report_unit_months,
    report_unit_people,
)
from lms.zones import month_of, month_sql


def _insert(session: Session, table):
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(table)


@dataclass
class _Firsts:
    """Completions per month, and the months of the first completion overall
    and in each cell: of all of one user's completions, or of those in one mode."""

    first_month: int | None = None
    cells: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(CELL_COLUMNS))
    months: dict[int, int] = field(default_factory=dict)  # completions per month

    def people(self) -> dict:
        return {"completed": 1 if self.first_month is not None else 0, "completions": sum(self.months.values()),
                **{c: 1 if m is not None else 0 for c, m in self.cells.items()}}

    def add_months(self, into: dict, key: tuple) -> None:
        for month, n in self.months.items():
            into[(*key, month)]["completions"] += n
        if self.first_month is not None:
            into[(*key, self.first_month)]["first_any"] += 1
        for column, cell_month in self.cells.items():
            if cell_month is not None:
                into[(*key, cell_month)][column] += 1


@dataclass
class _State:
    """What one user contributes to the counters."""

    org_unit_id: int | None
    staff_category: str
    counted: bool
    enrolled: bool
    overall: _Firsts
    modes: dict[str, _Firsts]  # per mode of training they have a completion in

    def vectors(self) -> tuple[dict, dict, dict, dict]:
        """{(unit, category): {column: n}}, {(unit, category, month): ...},
        {(unit, category, mode): ...}, {(unit, category, mode, month): ...}."""
        people: dict = {}
        months: dict = defaultdict(lambda: defaultdict(int))
        mode_people: dict = {}
        mode_months: dict = defaultdict(lambda: defaultdict(int))
        if not self.counted:
            return people, months, mode_people, mode_months
        key = (self.org_unit_id, self.staff_category)
        people[key] = {"registered": 1, "enrolled": 1 if self.enrolled else 0, **self.overall.people()}
        self.overall.add_months(months, key)
        for mode, firsts in self.modes.items():
            mode_people[(*key, mode)] = firsts.people()
            firsts.add_months(mode_months, (*key, mode))
            if firsts.first_month is not None:  # the people trained per mode, beside everyone's figures
                people[key][f"trained_{mode}"] = 1
                months[(*key, firsts.first_month)][f"trained_{mode}"] += 1
        return people, months, mode_people, mode_months


def _stored_state(session: Session, user_id: int) -> dict:
    """The user's report_learners row, locked for this transaction (created empty if missing)."""
    session.execute(
        _insert(session, report_learners)
        .values(user_id=user_id, org_unit_id=None, staff_category="staff", counted=False, enrolled=False,
                first_month=None, **dict.fromkeys(CELL_COLUMNS))
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    row = session.execute(select(report_learners).where(report_learners.c.user_id == user_id).with_for_update()).one()
    return row._asdict()


def _raw_state(session: Session, user_id: int, user_row, *, exclude_course_id: int | None = None) -> _State:
    completions = select(CourseCompletion.completed_at, CourseCompletion.mode, Course.skill_type, Course.target_level) \
        .join(Course, Course.id == CourseCompletion.course_id).where(CourseCompletion.user_id == user_id)
    if exclude_course_id is not None:
        completions = completions.where(CourseCompletion.course_id != exclude_course_id)
    overall = _Firsts()
    modes: dict[str, _Firsts] = defaultdict(_Firsts)
    for completed_at, mode, skill_type, target_level in session.execute(completions):  # one learner's few rows
        month, column = month_of(completed_at), cell_column(skill_type, target_level)
        for firsts in (overall, modes[mode]):
            firsts.months[month] = firsts.months.get(month, 0) + 1
            if firsts.first_month is None or month < firsts.first_month:
                firsts.first_month = month
            cell_month = firsts.cells[column]
            if cell_month is None or month < cell_month:
                firsts.cells[column] = month
    enrolled = session.scalar(select(exists().where(Enrolment.user_id == user_id)))
    unit_id, category, status = user_row
    return _State(org_unit_id=unit_id, staff_category=category, counted=status == "active" and unit_id is not None,
                  enrolled=bool(enrolled), overall=overall, modes=dict(modes))


def _apply(session: Session, old: _State, new: _State) -> None:
    # Sorted keys: concurrent transactions take the counter rows' locks in one order (no deadlock).
    for table, columns, before, after in zip(
            (report_unit_people, report_unit_months, report_mode_people, report_mode_months),
            (PEOPLE_COUNTERS, MONTH_COUNTERS, MODE_PEOPLE_COUNTERS, MODE_MONTH_COUNTERS),
            old.vectors(), new.vectors(), strict=True):
        key_columns = [c.name for c in table.primary_key.columns]
        for key in sorted(set(before) | set(after)):
            delta = {c: after.get(key, {}).get(c, 0) - before.get(key, {}).get(c, 0) for c in columns}
            if any(delta.values()):
                _add(session, table, dict(zip(key_columns, key, strict=True)), delta)


def _add(session: Session, table, key: dict, delta: dict) -> None:
    zeros = {c.name: 0 for c in table.c if c.name not in key}
    stmt = _insert(session, table).values(**key, **{**zeros, **delta})
    stmt = stmt.on_conflict_do_update(index_elements=list(key),
                                      set_={c: table.c[c] + stmt.excluded[c] for c in delta})
    session.execute(stmt)


def _sync(session: Session, user_id: int, *, new_completion_course_id: int | None = None) -> None:
    session.flush()
    user_row = session.execute(select(User.org_unit_id, User.staff_category, User.status).where(User.id == user_id)).first()
    if user_row is None:
        return
    stored = _stored_state(session, user_id)  # locks the user's counted state, their modes' rows with it
    stored_modes = {row.mode: row for row in session.execute(
        select(report_learner_modes).where(report_learner_modes.c.user_id == user_id))}
    # What was counted: the stored placement and firsts, and the completions
    # that exist now except the one being recorded (each was counted when recorded).
    old = _raw_state(session, user_id, (stored["org_unit_id"], stored["staff_category"], "active" if stored["counted"] else "x"),
                     exclude_course_id=new_completion_course_id)
    old.counted = stored["counted"]
    old.enrolled = stored["enrolled"]
    old.overall.first_month = stored["first_month"]
    old.overall.cells = {c: stored[c] for c in CELL_COLUMNS}
    for mode in set(old.modes) | set(stored_modes):
        row = stored_modes.get(mode)
        firsts = old.modes.setdefault(mode, _Firsts())
        firsts.first_month = row.first_month if row is not None else None
        firsts.cells = {c: (getattr(row, c) if row is not None else None) for c in CELL_COLUMNS}
    new = _raw_state(session, user_id, tuple(user_row))
    _apply(session, old, new)
    session.execute(
        report_learners.update().where(report_learners.c.user_id == user_id).values(
            org_unit_id=new.org_unit_id, staff_category=new.staff_category, counted=new.counted, enrolled=new.enrolled,
            first_month=new.overall.first_month, **new.overall.cells)
    )
    for mode, firsts in sorted(new.modes.items()):
        values = {"first_month": firsts.first_month, **firsts.cells}
        row = stored_modes.get(mode)
        if row is None:
            session.execute(insert(report_learner_modes).values(user_id=user_id, mode=mode, **values))
        elif any(getattr(row, c) != v for c, v in values.items()):
            session.execute(report_learner_modes.update().where(
                report_learner_modes.c.user_id == user_id, report_learner_modes.c.mode == mode).values(**values))


def sync_user(session: Session, *, user_id: int) -> None:
    """Bring the counters in line with the user's current unit, category,
    status and enrolments (idempotent)."""
    _sync(session, user_id)


def course_completed(session: Session, *, user_id: int, course_id: int) -> None:
    """A completion of (user, course) was just inserted in this transaction."""
    _sync(session, user_id, new_completion_course_id=course_id)


def course_reclassified(session: Session, *, course_id: int) -> int:
    """A course moved to another skill type x target level cell: re-sync every
    user who completed it. Returns the number of users."""
    user_ids = sorted(session.scalars(select(CourseCompletion.user_id).where(CourseCompletion.course_id == course_id)))
    for user_id in user_ids:  # in id order, as every multi-user change, so they lock the rows in one order
        _sync(session, user_id)
    return len(user_ids)


# ---- rebuild from the raw rows -----------------------------------------------

def rebuild(session: Session) -> dict[str, int]:
    """Recompute every counter from users, enrolments, completions and courses
    (set-based SQL). Returns the number of rows written per table."""
    session.flush()
    for table in (report_mode_months, report_mode_people, report_learner_modes,
                  report_unit_months, report_unit_people, report_learners):
        session.execute(delete(table))

    cc, c = table_of(CourseCompletion), table_of(Course)

    def first_completions(*by):
        """Per `by` (user, or user and mode): the first completion overall and in each cell."""
        return (
            select(*by, func.min(cc.c.completed_at).label("first_any"),
                   *[func.min(case((and_(c.c.skill_type == s, c.c.target_level == t), cc.c.completed_at)))
                     .label(cell_column(s, t)) for s, t in CELLS])
            .select_from(cc.join(c, c.c.id == cc.c.course_id)).group_by(*by)
        )

    overall = first_completions(cc.c.user_id).subquery("f")
    u = table_of(User)
    enrolled = exists().where(table_of(Enrolment).c.user_id == u.c.id)
    source = (
        select(u.c.id, u.c.org_unit_id, u.c.staff_category,
               and_(u.c.status == "active", u.c.org_unit_id.is_not(None)),
               case((enrolled, True), else_=False),
               month_sql(session, overall.c.first_any),
               *[month_sql(session, overall.c[col]) for col in CELL_COLUMNS])
        .select_from(u.outerjoin(overall, overall.c.user_id == u.c.id))
    )
    session.execute(insert(report_learners).from_select(
        ["user_id", "org_unit_id", "staff_category", "counted", "enrolled", "first_month", *CELL_COLUMNS], source))
    by_mode = first_completions(cc.c.user_id, cc.c.mode).subquery("fm")
    session.execute(insert(report_learner_modes).from_select(
        ["user_id", "mode", "first_month", *CELL_COLUMNS],
        select(by_mode.c.user_id, by_mode.c.mode, month_sql(session, by_mode.c.first_any),
               *[month_sql(session, by_mode.c[col]) for col in CELL_COLUMNS])))

    rl, rlm = report_learners, report_learner_modes
    counted = rl.c.counted.is_(True)
    place, mode_place = [rl.c.org_unit_id, rl.c.staff_category], [rl.c.org_unit_id, rl.c.staff_category, rlm.c.mode]
    completions = cc.join(rl, rl.c.user_id == cc.c.user_id)
    with_modes = rlm.join(rl, rl.c.user_id == rlm.c.user_id)
    completed_month = month_sql(session, cc.c.completed_at)

    def firsts(source, key, of):
        """One part per column of first months of `of` (first_month: first_any, and the cells)."""
        return [(source, key, of.c[month], {counter: literal(1)}, of.c[month].is_not(None))
                for month, counter in (("first_month", "first_any"), *[(c, c) for c in CELL_COLUMNS])]

    _fill_months(session, report_unit_months, MONTH_COUNTERS, counted, [
        (completions, place, completed_month, {"completions": literal(1)}, true()),
        *firsts(rl, place, rl),
        *[(with_modes, place, rlm.c.first_month, {f"trained_{mode}": literal(1)},
           and_(rlm.c.mode == mode, rlm.c.first_month.is_not(None))) for mode in DELIVERY_MODES]])
    _fill_months(session, report_mode_months, MODE_MONTH_COUNTERS, counted, [
        (completions, [*place, cc.c.mode], completed_month, {"completions": literal(1)}, true()),
        *firsts(with_modes, mode_place, rlm)])

    def flag(column):
        return func.sum(case((column.is_not(None), 1), else_=0))

    session.execute(insert(report_unit_people).from_select(
        ["org_unit_id", "staff_category", "registered", "enrolled", "completed", "completions", *CELL_COLUMNS],
        select(rl.c.org_unit_id, rl.c.staff_category, func.count(),
               func.sum(case((rl.c.enrolled.is_(True), 1), else_=0)), flag(rl.c.first_month), literal(0),
               *[flag(rl.c[col]) for col in CELL_COLUMNS])
        .where(counted).group_by(rl.c.org_unit_id, rl.c.staff_category)
        .order_by(rl.c.org_unit_id, rl.c.staff_category)))
    session.execute(insert(report_mode_people).from_select(
        ["org_unit_id", "staff_category", "mode", "completed", "completions", *CELL_COLUMNS],
        select(rl.c.org_unit_id, rl.c.staff_category, rlm.c.mode, flag(rlm.c.first_month), literal(0),
               *[flag(rlm.c[col]) for col in CELL_COLUMNS])
        .select_from(with_modes).where(counted).group_by(rl.c.org_unit_id, rl.c.staff_category, rlm.c.mode)
        .order_by(rl.c.org_unit_id, rl.c.staff_category, rlm.c.mode)))
    for p, m in ((report_unit_people, report_unit_months), (report_mode_people, report_mode_months)):
        same = [m.c[k.name] == k for k in p.primary_key.columns]
        session.execute(p.update().values(completions=select(func.coalesce(func.sum(m.c.completions), 0))
                                          .where(*same).scalar_subquery()))
    p, q = report_unit_people, report_mode_people
    of_unit = and_(q.c.org_unit_id == p.c.org_unit_id, q.c.staff_category == p.c.staff_category)
    session.execute(p.update().values({
        f"trained_{mode}": select(func.coalesce(func.sum(q.c.completed), 0)).where(of_unit, q.c.mode == mode)
        .scalar_subquery() for mode in DELIVERY_MODES}))
    return {t.name: int(session.scalar(select(func.count()).select_from(t)) or 0)
            for t in (report_learners, report_unit_people, report_unit_months,
                      report_learner_modes, report_mode_people, report_mode_months)}


def _fill_months(session: Session, table, counters: tuple[str, ...], where, parts: list) -> None:
    """Fill a month counter table from `parts`, each (FROM, key columns, month
    column, {counter: value}, condition): per key and month, the sum of each
    counter over the parts' rows (the other counters 0 in each part)."""
    names = [c.name for c in table.primary_key.columns]  # the key's columns, then "month"
    selects = [
        select(*[k.label(n) for k, n in zip(key, names, strict=False)], month.label("month"),
               *[values.get(col, literal(0)).label(col) for col in counters])
        .select_from(source).where(where, condition)
        for source, key, month, values, condition in parts]
    everything = union_all(*selects).subquery("e")
    group = [everything.c[n] for n in names]
    session.execute(insert(table).from_select(
        [*names, *counters],
        select(*group, *[func.sum(everything.c[col]) for col in counters])
        .group_by(*group)
        # written in key order, so a subtree's rows sit together on disk (PostgreSQL heap)
        .order_by(*group)))


def mode_counters_missing(session: Session) -> bool:
    """Some completion's mode is not counted for its person: the database was
    migrated to revision 0018 (which adds the modes) and the counters were not
    rebuilt after it, or not completely (a completion counted in between
    leaves the others out). `lms migrate` then rebuilds them; one scan of the
    completions, run by `lms migrate` only."""
    cc, rlm = table_of(CourseCompletion), report_learner_modes
    uncounted = select(cc.c.id).where(~exists().where(rlm.c.user_id == cc.c.user_id, rlm.c.mode == cc.c.mode))
    return session.scalar(uncounted.limit(1)) is not None


# ---- bulk changes --------------------------------------------------------------------

BULK_THRESHOLD = 2000  # above this many users, one set-based rebuild beats per-user syncs


def users_changed(session: Session, *, user_ids) -> None:
    """Many users created or changed at once (CSV import): a list of ids or a
    SELECT of ids. Syncs each, or rebuilds everything for large batches."""
    session.flush()
    ids = list(session.scalars(user_ids)) if hasattr(user_ids, "subquery") else list(user_ids)
    if len(ids) > BULK_THRESHOLD:
        rebuild(session)
        return
    for user_id in sorted(ids):
        _sync(session, user_id)


def enrolments_added(session: Session, *, user_ids) -> None:
    """Enrolments were inserted set-based (assignments) for these users (a
    SELECT of ids or a list): count the newly enrolled, set-based."""
    session.flush()
    rl, e = report_learners, table_of(Enrolment)
    if not hasattr(user_ids, "subquery"):
        user_ids = list(user_ids)
    newly = and_(rl.c.user_id.in_(user_ids), rl.c.enrolled.is_(False), exists().where(e.c.user_id == rl.c.user_id))
    # Lock the rows first (PostgreSQL), then count and flag them.
    session.execute(select(rl.c.user_id).where(newly).order_by(rl.c.user_id).with_for_update())
    rows = session.execute(select(rl.c.org_unit_id, rl.c.staff_category, func.count())
                           .where(newly, rl.c.counted.is_(True))
                           .group_by(rl.c.org_unit_id, rl.c.staff_category)).all()
    for unit_id, category, n in sorted(rows):
        _add(session, report_unit_people, {"org_unit_id": unit_id, "staff_category": category}, {"enrolled": n})
    session.execute(rl.update().where(newly).values(enrolled=True))


# Follow the record events raised by the features (lms.events).
events.user_changed.connect(sync_user)
events.users_changed.connect(users_changed)
events.enrolments_added.connect(enrolments_added)
events.course_completed.connect(course_completed)
events.course_reclassified.connect(course_reclassified)
