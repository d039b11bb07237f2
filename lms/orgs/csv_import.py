"""CSV import of org units and users.

Three steps, so a bad file writes nothing:
1. parse (pure: no database): decode (UTF-8 with or without BOM, Excel line
   endings), check the header and every row; every bad row is reported with
   its line number and reason;
2. check against the database (unknown org unit or parent, cycles);
3. write everything in the caller's transaction with bulk statements (Core
   executemany, no per-row ORM flush, no password hashing), then re-apply
   assignments set-based.

Importing the same file again changes nothing ("0 created, 0 updated, N
unchanged"); a changed row updates. Users imported without a password cannot
log in until an administrator resets their password (lms.admin).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from lms.auth.models import User, UserRole
from lms.enums import LANGUAGES, ORG_KINDS, ORG_LEVELS, ROLES, STAFF_CATEGORIES
from lms.msgids import N_
from lms.orgs.models import Headcount, OrgUnit
from lms.reports import counters as report_counters

ORG_COLUMNS = ("code", "parent_code", "name", "level", "kind", "headcount_manager", "headcount_professional",
               "headcount_staff", "headcount_correspondent", "valid_from")
ORG_REQUIRED_COLUMNS = ORG_COLUMNS[:-1]  # valid_from may be left out
USER_COLUMNS = ("username", "full_name", "email", "org_unit_code", "staff_category", "roles", "language")
USER_REQUIRED_COLUMNS = ("username", "org_unit_code", "staff_category")
HEADCOUNT_COLUMNS = {"manager": "headcount_manager", "professional": "headcount_professional",
                     "staff": "headcount_staff", "correspondent": "headcount_correspondent"}

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
USERNAME_RE = re.compile(r"^[^\s,;]{1,80}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME = 200


@dataclass(frozen=True)
class RowError:
    line: int  # 1 = the header line
    message: str  # a msgid with %(name)s placeholders (translated by the views)
    params: dict = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        return f"line {self.line}: " + (self.message % self.params if self.params else self.message)


class ImportInvalid(ValueError):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    enrolled: int = 0  # new assignment members after the import

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def decode(data: bytes | str) -> str:
    """UTF-8 with or without BOM; anything else is refused."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportInvalid([RowError(1, N_("the file is not UTF-8 (byte %(byte)s); save it as 'CSV UTF-8'"), {"byte": exc.start})]) from None


def _rows(text: str, columns: tuple[str, ...], required: tuple[str, ...]) -> tuple[list[tuple[int, dict]], list[RowError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], [RowError(1, N_("the file is empty"))]
    except csv.Error as exc:
        return [], [RowError(1, N_("unreadable CSV: %(error)s"), {"error": str(exc)})]
    header = [h.strip().lower() for h in header]
    errors = []
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h and h not in columns]
    if missing:
        errors.append(RowError(1, N_("missing column(s): %(columns)s"), {"columns": ", ".join(missing)}))
    if unknown:
        errors.append(RowError(1, N_("unknown column(s): %(columns)s"), {"columns": ", ".join(unknown)}))
    if len(set(header)) != len(header):
        errors.append(RowError(1, N_("a column appears twice")))
    if errors:
        return [], errors
    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank lines (Excel leaves some at the end)
            if len(values) > len(header):
                errors.append(RowError(line, N_("%(values)s values for %(columns)s columns"), {"values": len(values), "columns": len(header)}))
                continue
            values = values + [""] * (len(header) - len(values))
            rows.append((line, {k: v.strip() for k, v in zip(header, values, strict=True)}))
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, N_("unreadable CSV: %(error)s"), {"error": str(exc)}))
    if not rows and not errors:
        errors.append(RowError(1, N_("no data rows")))
    return rows, errors


def _bad_choice(column: str, value: str, choices) -> tuple[str, dict]:
    if not value:
        return N_("%(column)s is required"), {"column": column}
    return N_("bad %(column)s %(value)s (one of: %(choices)s)"), {"column": column, "value": repr(value),
                                                                 "choices": ", ".join(choices)}


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


def parse_org_units(data: bytes | str) -> list[OrgRow]:
    """Check the file on its own; raises ImportInvalid listing every bad row."""
    rows, errors = _rows(decode(data), ORG_COLUMNS, ORG_REQUIRED_COLUMNS)
    parsed: list[OrgRow] = []
    seen: dict[str, int] = {}
    for line, r in rows:
        problems = []
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
            problems.append(_bad_choice("level", level, ORG_LEVELS))
        kind = r.get("kind", "")
        if kind not in ORG_KINDS:
            problems.append(_bad_choice("kind", kind, ORG_KINDS))
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
        if problems:
            errors.extend(RowError(line, msg, params) for msg, params in problems)
            continue
        parsed.append(OrgRow(line, code, parent, name, level, kind, headcounts, valid_from))
    if errors:
        raise ImportInvalid(sorted(errors, key=lambda e: e.line))
    return parsed


def check_org_units(session: Session, rows: list[OrgRow]) -> None:
    """Parents must exist (in the file or the database); the resulting tree
    has no cycle. Raises ImportInvalid."""
    existing = {code: (uid, pid) for code, uid, pid in session.execute(
        select(OrgUnit.code, OrgUnit.id, OrgUnit.parent_id))}
    code_of = {uid: code for code, (uid, _pid) in existing.items()}
    parent_of: dict[str, str | None] = {code: code_of.get(pid) if pid else None for code, (_u, pid) in existing.items()}
    errors = []
    for row in rows:
        if row.parent_code is not None and row.parent_code not in existing and \
                row.parent_code not in {r.code for r in rows}:
            errors.append(RowError(row.line, N_("unknown parent_code %(value)s"), {"value": repr(row.parent_code)}))
    file_codes = {r.code: r for r in rows}
    for row in rows:
        parent_of[row.code] = row.parent_code
    for row in rows:
        node, seen = row.code, set()
        while node is not None:
            if node in seen:
                errors.append(RowError(row.line, N_("cycle: %(value)s would be below itself"), {"value": repr(row.code)}))
                break
            seen.add(node)
            node = parent_of.get(node)
    if errors:
        raise ImportInvalid(sorted(errors, key=lambda e: e.line))
    del file_codes


def write_org_units(session: Session, rows: list[OrgRow], *, now: datetime) -> ImportResult:
    """Create and update units (parents before children), record headcounts,
    rebuild paths, re-apply assignments. The caller commits."""
    from lms.enrolment.services import sync_assignments
    from lms.orgs.services import rebuild_paths

    result = ImportResult()
    today = now.date()
    table = OrgUnit.__table__
    current = {r.code: r for r in session.execute(
        select(table.c.id, table.c.code, table.c.parent_id, table.c.name, table.c.level, table.c.kind))}
    new_rows = [r for r in rows if r.code not in current]
    if new_rows:
        session.execute(insert(table), [{"code": r.code, "name": r.name, "level": r.level, "kind": r.kind,
                                         "parent_id": None, "path": ""} for r in new_rows])
    ids = dict(session.execute(select(table.c.code, table.c.id)).all())
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
    hc = Headcount.__table__
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
        result.enrolled = sync_assignments(session, now=now)
    result.created = len(new_rows)
    result.updated = len(changed)
    result.unchanged = len(rows) - result.created - result.updated
    return result


def import_org_units(session: Session, data: bytes | str, *, now: datetime) -> ImportResult:
    rows = parse_org_units(data)
    check_org_units(session, rows)
    return write_org_units(session, rows, now=now)


# ---- users -----------------------------------------------------------------

@dataclass
class UserRow:
    line: int
    username: str
    full_name: str
    email: str
    org_unit_code: str
    staff_category: str
    roles: frozenset[str]
    language: str


def parse_users(data: bytes | str, *, default_language: str = "zh_CN") -> list[UserRow]:
    rows, errors = _rows(decode(data), USER_COLUMNS, USER_REQUIRED_COLUMNS)
    parsed: list[UserRow] = []
    seen: dict[str, int] = {}
    for line, r in rows:
        problems = []
        username = r.get("username", "")
        if not username:
            problems.append((N_("%(column)s is required"), {"column": "username"}))
        elif not USERNAME_RE.match(username):
            problems.append((N_("bad username %(value)s (no spaces, commas or ';'; at most 80 characters)"), {"value": repr(username)}))
        elif username in seen:
            problems.append((N_("duplicate username %(value)s (also on line %(other)s)"), {"value": repr(username), "other": seen[username]}))
        else:
            seen[username] = line
        full_name = r.get("full_name", "")
        if len(full_name) > MAX_NAME:
            problems.append((N_("%(column)s longer than %(max)s characters"), {"column": "full_name", "max": MAX_NAME}))
        email = r.get("email", "")
        if email and (len(email) > 254 or not EMAIL_RE.match(email)):
            problems.append((N_("bad email %(value)s"), {"value": repr(email)}))
        unit = r.get("org_unit_code", "")
        if not unit:
            problems.append((N_("%(column)s is required"), {"column": "org_unit_code"}))
        category = r.get("staff_category", "")
        if category not in STAFF_CATEGORIES:
            problems.append(_bad_choice("staff_category", category, STAFF_CATEGORIES))
        roles = {p.strip() for p in r.get("roles", "").split(";") if p.strip()}
        bad_roles = sorted(roles - set(ROLES))
        if bad_roles:
            problems.append((N_("bad role(s) %(value)s (roles: %(choices)s, separated by ';')"),
                             {"value": ", ".join(bad_roles), "choices": ", ".join(ROLES)}))
        language = r.get("language", "") or default_language
        if language not in LANGUAGES:
            problems.append(_bad_choice("language", language, LANGUAGES))
        if problems:
            errors.extend(RowError(line, msg, params) for msg, params in problems)
            continue
        parsed.append(UserRow(line, username, full_name, email, unit, category, frozenset(roles | {"learner"}), language))
    if errors:
        raise ImportInvalid(sorted(errors, key=lambda e: e.line))
    return parsed


def check_users(session: Session, rows: list[UserRow]) -> dict[str, int]:
    """Every org unit code must exist; returns code -> id."""
    units = dict(session.execute(select(OrgUnit.code, OrgUnit.id)).all())
    errors = [RowError(r.line, N_("unknown org_unit_code %(value)s"), {"value": repr(r.org_unit_code)}) for r in rows if r.org_unit_code not in units]
    if errors:
        raise ImportInvalid(errors)
    return units


def write_users(session: Session, rows: list[UserRow], units: dict[str, int], *, now: datetime) -> ImportResult:
    """Bulk insert new users (no password: they cannot log in until one is set),
    bulk update changed ones, then re-apply assignments set-based."""
    from lms.enrolment.services import sync_assignments

    result = ImportResult()
    users, roles_t = User.__table__, UserRole.__table__
    existing = {r.username: r for r in session.execute(
        select(users.c.id, users.c.username, users.c.full_name, users.c.email, users.c.org_unit_id,
               users.c.staff_category, users.c.language))}
    roles_of: dict[int, set[str]] = {}
    for uid, role in session.execute(select(roles_t.c.user_id, roles_t.c.role)):
        roles_of.setdefault(uid, set()).add(role)

    new = [r for r in rows if r.username not in existing]
    if new:
        session.execute(insert(users), [
            {"username": r.username, "full_name": r.full_name, "email": r.email, "password_hash": "",  # nosec B105 - no password: cannot log in until reset
             "staff_category": r.staff_category, "org_unit_id": units[r.org_unit_code], "language": r.language,
             "status": "active", "created_at": now} for r in new])
        wanted = {r.username for r in new}
        new_ids = {name: uid for uid, name in session.execute(select(users.c.id, users.c.username)) if name in wanted}
        session.execute(insert(roles_t), [{"user_id": new_ids[r.username], "role": role}
                                          for r in new for role in sorted(r.roles)])
    updates, role_changes = [], []
    moved_ids: list[int] = []
    for r in rows:
        old = existing.get(r.username)
        if old is None:
            continue
        unit_id = units[r.org_unit_code]
        fields = (r.full_name, r.email, unit_id, r.staff_category, r.language)
        same_fields = fields == (old.full_name, old.email, old.org_unit_id, old.staff_category, old.language)
        same_roles = roles_of.get(old.id, set()) == set(r.roles)
        if same_fields and same_roles:
            result.unchanged += 1
            continue
        result.updated += 1
        if not same_fields:
            updates.append({"b_id": old.id, "full_name": r.full_name, "email": r.email, "org_unit_id": unit_id,
                            "staff_category": r.staff_category, "language": r.language})
            if (unit_id, r.staff_category) != (old.org_unit_id, old.staff_category):
                moved_ids.append(old.id)
        if not same_roles:
            role_changes.append((old.id, r.roles))
    if updates:
        session.execute(update(users).where(users.c.id == bindparam("b_id")).values(
            full_name=bindparam("full_name"), email=bindparam("email"), org_unit_id=bindparam("org_unit_id"),
            staff_category=bindparam("staff_category"), language=bindparam("language")), updates)
    if role_changes:
        ids = [uid for uid, _r in role_changes]
        for chunk in range(0, len(ids), 900):
            session.execute(delete(roles_t).where(roles_t.c.user_id.in_(ids[chunk:chunk + 900])))
        session.execute(insert(roles_t), [{"user_id": uid, "role": role} for uid, roles in role_changes
                                          for role in sorted(roles)])
    session.expire_all()
    result.created = len(new)
    if new or moved_ids:
        result.enrolled = sync_assignments(session, now=now)
    report_counters.users_changed(session, user_ids=select(users.c.id).where(users.c.username.in_([r.username for r in rows])))
    return result


def import_users(session: Session, data: bytes | str, *, now: datetime, default_language: str = "zh_CN") -> ImportResult:
    rows = parse_users(data, default_language=default_language)
    units = check_users(session, rows)
    return write_users(session, rows, units, now=now)
