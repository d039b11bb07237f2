"""CSV import of org units (people: lms.people.user_import).

Three steps, so a bad file writes nothing:
1. parse (pure: no database): decode (UTF-8 with or without BOM, Excel line
   endings), check the header and every row; every bad row is reported with
   its line number and reason;
2. check against the database (unknown org unit or parent, cycles);
3. write everything in the caller's transaction with bulk statements (Core
   executemany, no per-row ORM flush), rebuild the paths, then tell the
   assignments that the tree changed (lms.events.org_tree_changed).

Importing the same file again changes nothing ("0 created, 0 updated, N
unchanged"); a changed row updates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from lms import events
from lms.csvfile import MAX_NAME, ImportResult, RowError, bad_choice, decode, read_rows, refuse
from lms.csvfile import ImportInvalid as ImportInvalid  # re-exported: lms.cli imports it from here
from lms.db import table_of
from lms.enums import ORG_KINDS, ORG_LEVELS
from lms.msgids import N_
from lms.orgs.models import Headcount, OrgUnit
from lms.orgs.services import rebuild_paths
from lms.zones import local_date

ORG_COLUMNS = ("code", "parent_code", "name", "level", "kind", "headcount_manager", "headcount_professional",
               "headcount_staff", "headcount_correspondent", "valid_from")
ORG_REQUIRED_COLUMNS = ORG_COLUMNS[:-1]  # valid_from may be left out
HEADCOUNT_COLUMNS = {"manager": "headcount_manager", "professional": "headcount_professional",
                     "staff": "headcount_staff", "correspondent": "headcount_correspondent"}

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


# ---- org units -------------------------------------------------------------

@dataclass
class OrgRow:
    line: int
    code: str
    parent_code: str | None
    name: str
    level: str
    kind: str
    headcounts: dict[str, int] = field(default_factory=dict)
    valid_from: date | None = None


def read_org_units(data: bytes | str) -> tuple[list[OrgRow], list[RowError]]:
    """Check the file on its own: every data row (bad ones too, so that the
    tree check still sees their codes and parents) and every error. Raises
    ImportInvalid only for a file that cannot be decoded."""
    rows, errors = read_rows(decode(data), ORG_COLUMNS, ORG_REQUIRED_COLUMNS)
    parsed: list[OrgRow] = []
    seen: dict[str, int] = {}
    for line, r in rows:
        problems: list[tuple[str, dict[str, object]]] = []
        code = r.get("code", "")
        if not code:
            problems.append((N_("%(column)s is required"), {"column": "code"}))
        elif not CODE_RE.match(code):
            problems.append((N_("bad code %(value)s (letters, digits, '.', '_', '-'; at most 64)"), {"value": repr(code)}))
        elif code in seen:
            problems.append((N_("duplicate code %(value)s (also on line %(other)s)"), {"value": repr(code), "other": seen[code]}))
        else:
            seen[code] = line
        parent = r.get("parent_code", "") or None
        if parent is not None and not CODE_RE.match(parent):
            problems.append((N_("bad parent_code %(value)s"), {"value": repr(parent)}))
        name = r.get("name", "")
        if not name:
            problems.append((N_("%(column)s is required"), {"column": "name"}))
        elif len(name) > MAX_NAME:
            problems.append((N_("%(column)s longer than %(max)s characters"), {"column": "name", "max": MAX_NAME}))
        level = r.get("level", "")
        if level not in ORG_LEVELS:
            problems.append(bad_choice("level", level, ORG_LEVELS))
        kind = r.get("kind", "")
        if kind not in ORG_KINDS:
            problems.append(bad_choice("kind", kind, ORG_KINDS))
        headcounts = {}
        for category, column in HEADCOUNT_COLUMNS.items():
            raw = r.get(column, "")
            if raw == "":
                continue
            if not raw.isdigit() or len(raw) > 9:
                problems.append((N_("bad number %(value)s in %(column)s (a whole number, 0 or more)"), {"value": repr(raw), "column": column}))
            else:
                headcounts[category] = int(raw)
        valid_from = None
        raw_date = r.get("valid_from", "")
        if raw_date:
            try:
                valid_from = date.fromisoformat(raw_date)
            except ValueError:
                problems.append((N_("bad date %(value)s in %(column)s (YYYY-MM-DD)"), {"value": repr(raw_date), "column": "valid_from"}))
        errors.extend(RowError(line, msg, params) for msg, params in problems)
        parsed.append(OrgRow(line, code, parent, name, level, kind, headcounts, valid_from))
    return parsed, errors


def parse_org_units(data: bytes | str) -> list[OrgRow]:
    """Check the file on its own; raises ImportInvalid listing every bad row."""
    rows, errors = read_org_units(data)
    refuse(errors)
    return rows


def tree_errors(session: Session, rows: list[OrgRow]) -> list[RowError]:
    """Parents must exist (in the file or the database), and the tree the
    file makes with the database must have no cycle. Rows with a bad code or
    parent_code (reported by the parse) are left out; of two rows with the
    same code, the first counts. Linear in units: one walk up per unit, each
    unit visited once."""
    errors: list[RowError] = []
    parent_of: dict[str, str | None] = {}  # code -> parent code, the database overlaid with the file
    code_of: dict[int, str] = {}
    db_parent: dict[str, int | None] = {}
    for code, uid, pid in session.execute(select(OrgUnit.code, OrgUnit.id, OrgUnit.parent_id)):
        code_of[uid] = code
        db_parent[code] = pid
    for code, pid in db_parent.items():
        parent_of[code] = code_of.get(pid) if pid is not None else None
    line_of: dict[str, int] = {}
    for row in rows:
        if CODE_RE.match(row.code) and row.code not in line_of:
            line_of[row.code] = row.line
            parent_of[row.code] = row.parent_code if row.parent_code and CODE_RE.match(row.parent_code) else None
    for row in rows:
        if row.parent_code and CODE_RE.match(row.parent_code) and row.parent_code not in parent_of:
            errors.append(RowError(row.line, N_("unknown parent_code %(value)s"), {"value": repr(row.parent_code)}))
    # Walk up from each unit of the file, colouring: a unit on the current walk
    # holds its position on it, a unit whose walk ended holds DONE. Meeting a
    # unit of the current walk closes a cycle: exactly the units from there on.
    done = -1
    state: dict[str, int] = {}
    for start in line_of:
        walk: list[str] = []
        node: str | None = start
        while node is not None and node in parent_of and node not in state:
            state[node] = len(walk)
            walk.append(node)
            node = parent_of[node]
        if node is not None and state.get(node, done) != done:
            for member in walk[state[node]:]:
                if member in line_of:  # units of the database have no line: the rows that close the cycle are named
                    errors.append(RowError(line_of[member], N_("cycle: %(value)s would be below itself"),
                                           {"value": repr(member)}))
        for member in walk:
            state[member] = done
    return errors


def check_org_units(session: Session, rows: list[OrgRow]) -> None:
    """Parents must exist (in the file or the database); the resulting tree
    has no cycle. Raises ImportInvalid."""
    refuse(tree_errors(session, rows))


def write_org_units(session: Session, rows: list[OrgRow], *, now: datetime) -> ImportResult:
    """Create and update units (parents before children), record headcounts,
    rebuild paths, re-apply assignments. The caller commits."""

    result = ImportResult()
    today = local_date(now)
    table = table_of(OrgUnit)
    current = {r.code: r for r in session.execute(
        select(table.c.id, table.c.code, table.c.parent_id, table.c.name, table.c.level, table.c.kind))}
    new_rows = [r for r in rows if r.code not in current]
    if new_rows:
        session.execute(insert(table), [{"code": r.code, "name": r.name, "level": r.level, "kind": r.kind,
                                         "parent_id": None, "path": ""} for r in new_rows])
    ids: dict[str, int] = {code: unit_id for code, unit_id in session.execute(select(table.c.code, table.c.id))}
    changed: set[str] = set()
    updates = []
    moved = False
    for r in rows:
        parent_id = ids[r.parent_code] if r.parent_code else None
        old = current.get(r.code)
        if old is None:
            updates.append({"b_id": ids[r.code], "name": r.name, "level": r.level, "kind": r.kind, "parent_id": parent_id})
            continue
        if (old.name, old.level, old.kind, old.parent_id) != (r.name, r.level, r.kind, parent_id):
            moved = moved or old.parent_id != parent_id
            updates.append({"b_id": old.id, "name": r.name, "level": r.level, "kind": r.kind, "parent_id": parent_id})
            changed.add(r.code)
    if updates:
        session.execute(update(table).where(table.c.id == bindparam("b_id"))
                        .values(name=bindparam("name"), level=bindparam("level"), kind=bindparam("kind"),
                                parent_id=bindparam("parent_id")), updates)
    # Headcounts: record a value only when it differs from the one in force on its date.
    hc = table_of(Headcount)
    unit_ids = [ids[r.code] for r in rows]
    history: dict[tuple[int, str], list[tuple[date, int, int]]] = {}
    for chunk in range(0, len(unit_ids), 900):
        for hid, uid, cat, vf, n in session.execute(
                select(hc.c.id, hc.c.org_unit_id, hc.c.staff_category, hc.c.valid_from, hc.c.headcount)
                .where(hc.c.org_unit_id.in_(unit_ids[chunk:chunk + 900]))):
            history.setdefault((uid, cat), []).append((vf, n, hid))
    inserts, hc_updates = [], []
    for r in rows:
        uid = ids[r.code]
        on = r.valid_from or today
        for category, count in r.headcounts.items():
            entries = sorted(history.get((uid, category), []))
            in_force = [e for e in entries if e[0] <= on]
            if in_force and in_force[-1][1] == count:
                continue
            exact = [e for e in entries if e[0] == on]
            if exact:
                hc_updates.append({"b_id": exact[0][2], "headcount": count})
            else:
                inserts.append({"org_unit_id": uid, "staff_category": category, "valid_from": on, "headcount": count})
            if r.code in current:
                changed.add(r.code)
    if inserts:
        session.execute(insert(hc), inserts)
    if hc_updates:
        session.execute(update(hc).where(hc.c.id == bindparam("b_id")).values(headcount=bindparam("headcount")),
                        hc_updates)
    session.expire_all()
    rebuild_paths(session)
    if new_rows or moved:
        result.enrolled = sum(events.org_tree_changed(session, now=now))
    result.created = len(new_rows)
    result.updated = len(changed)
    result.unchanged = len(rows) - result.created - result.updated
    return result


def import_org_units(session: Session, data: bytes | str, *, now: datetime) -> ImportResult:
    """Parse, check the tree, write; a bad file raises ImportInvalid with all
    its errors (rows and tree, sorted by line) and writes nothing."""
    rows, errors = read_org_units(data)
    refuse(errors + tree_errors(session, rows))
    return write_org_units(session, rows, now=now)
