"""CSV import of people: parse (pure), check against the org units, then
write everything in the caller's transaction with bulk statements (no per-row
ORM flush, no password hashing), re-apply assignments set-based and bring the
report counters up to date. A file with any bad row writes nothing.

Importing the same file again changes nothing; a changed row updates. People
imported without a password cannot log in until an administrator or their
manager resets it (lms.people.services.reset_password)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from lms import events
from lms.assignments.services import sync_assignments
from lms.auth.models import User, UserRole
from lms.csvfile import MAX_NAME, ImportResult, RowError, bad_choice, decode, read_rows, refuse
from lms.db import table_of
from lms.enums import LANGUAGES, PROFESSIONS, ROLES, STAFF_CATEGORIES
from lms.msgids import N_
from lms.orgs.models import OrgUnit

# profession (optional column): empty clears it; a file without the column leaves it as it is.
USER_COLUMNS = ("username", "full_name", "email", "org_unit_code", "staff_category", "roles", "language", "profession")
USER_REQUIRED_COLUMNS = ("username", "org_unit_code", "staff_category")
USERNAME_RE = re.compile(r"^[^\s,;]{1,80}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
    profession: str | None = None
    has_profession: bool = False  # the file has the column


def read_users(data: bytes | str, *, default_language: str = "zh_CN") -> tuple[list[UserRow], list[RowError]]:
    """Check the file on its own: every data row (bad ones too, so that their
    org_unit_code is still checked against the database) and every error.
    Raises ImportInvalid only for a file that cannot be decoded."""
    rows, errors = read_rows(decode(data), USER_COLUMNS, USER_REQUIRED_COLUMNS)
    parsed: list[UserRow] = []
    seen: dict[str, int] = {}
    for line, r in rows:
        problems: list[tuple[str, dict[str, object]]] = []
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
            problems.append(bad_choice("staff_category", category, STAFF_CATEGORIES))
        roles = {p.strip() for p in r.get("roles", "").split(";") if p.strip()}
        bad_roles = sorted(roles - set(ROLES))
        if bad_roles:
            problems.append((N_("bad role(s) %(value)s (roles: %(choices)s, separated by ';')"),
                             {"value": ", ".join(bad_roles), "choices": ", ".join(ROLES)}))
        language = r.get("language", "") or default_language
        if language not in LANGUAGES:
            problems.append(bad_choice("language", language, LANGUAGES))
        profession = r.get("profession", "")
        if profession and profession not in PROFESSIONS:
            problems.append(bad_choice("profession", profession, PROFESSIONS))
        errors.extend(RowError(line, msg, params) for msg, params in problems)
        parsed.append(UserRow(line, username, full_name, email, unit, category, frozenset(roles | {"learner"}), language,
                              profession or None, "profession" in r))
    return parsed, errors


def parse_users(data: bytes | str, *, default_language: str = "zh_CN") -> list[UserRow]:
    """Check the file on its own; raises ImportInvalid listing every bad row."""
    rows, errors = read_users(data, default_language=default_language)
    refuse(errors)
    return rows


def org_units(session: Session) -> dict[str, int]:
    """Every org unit: code -> id."""
    return {code: unit_id for code, unit_id in session.execute(select(OrgUnit.code, OrgUnit.id))}


def unit_errors(rows: list[UserRow], units: dict[str, int]) -> list[RowError]:
    """Rows whose org_unit_code is not a unit (an empty one is reported by the parse)."""
    return [RowError(r.line, N_("unknown org_unit_code %(value)s"), {"value": repr(r.org_unit_code)})
            for r in rows if r.org_unit_code and r.org_unit_code not in units]


def check_users(session: Session, rows: list[UserRow]) -> dict[str, int]:
    """Every org unit code must exist; returns code -> id. Raises ImportInvalid."""
    units = org_units(session)
    refuse(unit_errors(rows, units))
    return units


def write_users(session: Session, rows: list[UserRow], units: dict[str, int], *, now: datetime) -> ImportResult:
    """Bulk insert new users (no password: they cannot log in until one is set),
    bulk update changed ones, then re-apply assignments set-based."""

    result = ImportResult()
    users, roles_t = table_of(User), table_of(UserRole)
    existing = {r.username: r for r in session.execute(
        select(users.c.id, users.c.username, users.c.full_name, users.c.email, users.c.org_unit_id,
               users.c.staff_category, users.c.language, users.c.profession))}
    roles_of: dict[int, set[str]] = {}
    for uid, role in session.execute(select(roles_t.c.user_id, roles_t.c.role)):
        roles_of.setdefault(uid, set()).add(role)

    new = [r for r in rows if r.username not in existing]
    if new:
        session.execute(insert(users), [
            {"username": r.username, "full_name": r.full_name, "email": r.email, "password_hash": "",  # nosec B105 - no password: cannot log in until reset
             "staff_category": r.staff_category, "org_unit_id": units[r.org_unit_code], "language": r.language,
             "profession": r.profession, "status": "active", "created_at": now} for r in new])
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
        profession = r.profession if r.has_profession else old.profession
        fields = (r.full_name, r.email, unit_id, r.staff_category, r.language, profession)
        same_fields = fields == (old.full_name, old.email, old.org_unit_id, old.staff_category, old.language,
                                 old.profession)
        same_roles = roles_of.get(old.id, set()) == set(r.roles)
        if same_fields and same_roles:
            result.unchanged += 1
            continue
        result.updated += 1
        if not same_fields:
            updates.append({"b_id": old.id, "full_name": r.full_name, "email": r.email, "org_unit_id": unit_id,
                            "staff_category": r.staff_category, "language": r.language, "profession": profession})
            if (unit_id, r.staff_category, profession) != (old.org_unit_id, old.staff_category, old.profession):
                moved_ids.append(old.id)
        if not same_roles:
            role_changes.append((old.id, r.roles))
    if updates:
        session.execute(update(users).where(users.c.id == bindparam("b_id")).values(
            full_name=bindparam("full_name"), email=bindparam("email"), org_unit_id=bindparam("org_unit_id"),
            staff_category=bindparam("staff_category"), language=bindparam("language"),
            profession=bindparam("profession")), updates)
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
    events.users_changed(session, user_ids=select(users.c.id).where(users.c.username.in_([r.username for r in rows])))
    return result


def import_users(session: Session, data: bytes | str, *, now: datetime, default_language: str = "zh_CN") -> ImportResult:
    """Parse, check the org units, write; a bad file raises ImportInvalid with
    all its errors (rows and unknown org units, sorted by line) and writes nothing."""
    rows, errors = read_users(data, default_language=default_language)
    units = org_units(session)
    refuse(errors + unit_errors(rows, units))
    return write_users(session, rows, units, now=now)
