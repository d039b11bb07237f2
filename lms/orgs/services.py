"""Org units and headcounts: create, edit, move (keeping materialised paths
right), headcounts in force. No flask: callers pass the session and `now`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, literal, select, update
from sqlalchemy.orm import Session

from lms import events
from lms.auth.models import User
from lms.db import table_of
from lms.dbutil import any_contains
from lms.enums import ORG_KINDS, ORG_LEVELS, STAFF_CATEGORIES
from lms.msgids import N_
from lms.orgs.models import Headcount, OrgUnit
from lms.orgs.scope import Scope, path_startswith

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class OrgError(ValueError):
    """A refused change to the tree; the message is a translatable msgid."""


def _check(code: str, name: str, level: str, kind: str) -> None:
    if not CODE_RE.match(code or ""):
        raise OrgError(N_("A code is 1 to 64 letters, digits, '.', '_' or '-'."))
    if not (name or "").strip():
        raise OrgError(N_("A name is required."))
    if level not in ORG_LEVELS:
        raise OrgError(N_("Unknown level."))
    if kind not in ORG_KINDS:
        raise OrgError(N_("Unknown kind."))


def create_unit(session: Session, *, code: str, name: str, level: str, kind: str,
                parent_id: int | None) -> OrgUnit:
    _check(code, name, level, kind)
    if session.scalar(select(OrgUnit.id).where(OrgUnit.code == code)) is not None:
        raise OrgError(N_("This code is already used by another unit."))
    parent = session.get(OrgUnit, parent_id) if parent_id is not None else None
    if parent_id is not None and parent is None:
        raise OrgError(N_("Unknown parent unit."))
    unit = OrgUnit(code=code, name=name.strip(), level=level, kind=kind, parent_id=parent_id, path="")
    session.add(unit)
    session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    session.flush()
    return unit


def update_unit(session: Session, unit: OrgUnit, *, code: str, name: str, level: str, kind: str) -> bool:
    """Edit a unit's own fields; True if anything changed."""
    _check(code, name, level, kind)
    if code != unit.code and session.scalar(select(OrgUnit.id).where(OrgUnit.code == code)) is not None:
        raise OrgError(N_("This code is already used by another unit."))
    new = (code, name.strip(), level, kind)
    if new == (unit.code, unit.name, unit.level, unit.kind):
        return False
    unit.code, unit.name, unit.level, unit.kind = new
    session.flush()
    return True


def move_unit(session: Session, unit: OrgUnit, *, new_parent_id: int | None, now: datetime) -> bool:
    """Hang `unit` (and its subtree) under another parent. The paths of the
    whole subtree change in ONE UPDATE (prefix replace); assignments are then
    re-applied, since people may have moved into or out of assigned subtrees."""
    if new_parent_id == unit.parent_id:
        return False
    parent = session.get(OrgUnit, new_parent_id) if new_parent_id is not None else None
    if new_parent_id is not None and parent is None:
        raise OrgError(N_("Unknown parent unit."))
    if parent is not None and parent.path.startswith(unit.path):
        raise OrgError(N_("A unit cannot move under itself or one of its own sub-units."))
    old_prefix = unit.path
    new_prefix = (parent.path if parent else "/") + f"{unit.id}/"
    session.flush()
    session.execute(
        update(OrgUnit)
        .where(path_startswith(OrgUnit.path, old_prefix))
        .values(path=literal(new_prefix) + func.substr(OrgUnit.path, len(old_prefix) + 1))
        .execution_options(synchronize_session=False)
    )
    session.execute(update(OrgUnit).where(OrgUnit.id == unit.id).values(parent_id=new_parent_id)
                    .execution_options(synchronize_session=False))
    session.expire_all()

    events.org_tree_changed(session, now=now)
    return True


def rebuild_paths(session: Session) -> int:
    """Recompute every path from parent_id (after bulk imports); returns the
    number of units whose path changed. Refuses cycles."""
    rows = session.execute(select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.path)).all()
    parent = {r.id: r.parent_id for r in rows}
    current = {r.id: r.path for r in rows}
    paths: dict[int, str] = {}

    def path_of(uid: int) -> str:
        chain = []
        seen = set()
        node: int | None = uid
        while node is not None and node not in paths:
            if node in seen:
                raise OrgError(N_("The org units form a cycle."))
            seen.add(node)
            chain.append(node)
            node = parent[node]
        prefix = paths[node] if node is not None else "/"
        for n in reversed(chain):
            prefix = prefix + f"{n}/"
            paths[n] = prefix
        return paths[uid]

    changes = []
    for uid in parent:
        p = path_of(uid)
        if current[uid] != p:
            changes.append({"b_id": uid, "b_path": p})
    if changes:
        from sqlalchemy import bindparam

        session.connection().execute(
            update(table_of(OrgUnit)).where(table_of(OrgUnit).c.id == bindparam("b_id"))
            .values(path=bindparam("b_path")), changes)
        session.expire_all()
    return len(changes)


# ---- headcounts ------------------------------------------------------------

def set_headcount(session: Session, unit: OrgUnit, *, staff_category: str, valid_from: date, headcount: int) -> str:
    """Record a headcount from a date on. Returns "created", "updated" or "unchanged"."""
    if staff_category not in STAFF_CATEGORIES:
        raise OrgError(N_("Unknown staff category."))
    if headcount < 0:
        raise OrgError(N_("A headcount cannot be negative."))
    row = session.scalar(select(Headcount).where(Headcount.org_unit_id == unit.id,
                                                 Headcount.staff_category == staff_category,
                                                 Headcount.valid_from == valid_from))
    if row is None:
        session.add(Headcount(org_unit_id=unit.id, staff_category=staff_category, valid_from=valid_from,
                              headcount=headcount))
        session.flush()
        return "created"
    if row.headcount == headcount:
        return "unchanged"
    row.headcount = headcount
    session.flush()
    return "updated"


def headcount_history(session: Session, unit_id: int) -> list[Headcount]:
    return list(session.scalars(select(Headcount).where(Headcount.org_unit_id == unit_id)
                                .order_by(Headcount.valid_from.desc(), Headcount.staff_category)))


def _in_force_rows(unit_ids, on_date: date):
    """(org_unit_id, staff_category, headcount) of the row in force on `on_date`
    per unit and category: the latest valid_from on or before that date."""
    latest = (
        select(Headcount.org_unit_id, Headcount.staff_category, func.max(Headcount.valid_from).label("valid_from"))
        .where(Headcount.valid_from <= on_date, Headcount.org_unit_id.in_(unit_ids))
        .group_by(Headcount.org_unit_id, Headcount.staff_category)
        .subquery()
    )
    return latest


def headcount_in_force(session: Session, unit_ids, on_date: date, *, per_unit: bool = False) -> dict:
    """Headcounts in force on `on_date`, summed in SQL.

    `unit_ids`: a list of ids or a SELECT of ids (e.g. Scope.unit_ids()).
    Returns {staff_category: total}, or {(unit_id, staff_category): headcount}
    with per_unit=True. Categories without any headcount are absent."""
    latest = _in_force_rows(unit_ids, on_date)
    join = and_(Headcount.org_unit_id == latest.c.org_unit_id, Headcount.staff_category == latest.c.staff_category,
                Headcount.valid_from == latest.c.valid_from)
    if per_unit:
        rows = session.execute(select(Headcount.org_unit_id, Headcount.staff_category, Headcount.headcount)
                               .join(latest, join))
        return {(r[0], r[1]): r[2] for r in rows}
    rows = session.execute(select(Headcount.staff_category, func.sum(Headcount.headcount))
                           .join(latest, join).group_by(Headcount.staff_category))
    return {r[0]: int(r[1]) for r in rows}


# ---- reading the tree ------------------------------------------------------

@dataclass(frozen=True)
class TreeRow:
    unit: OrgUnit
    depth: int
    people: int


def tree(session: Session, scope: Scope, *, q: str = "", limit: int = 500) -> tuple[list[TreeRow], bool]:
    """Units in scope in tree order (by path segments), with people counts.
    With `q`, the units whose code or name matches, and their ancestors within
    scope so the result still reads as a tree. Returns (rows, truncated)."""
    stmt = select(OrgUnit).where(scope.unit_condition())
    if q:
        matches = select(OrgUnit.path).where(scope.unit_condition(),
                                             any_contains(q.strip(), OrgUnit.name, OrgUnit.code)).limit(limit)
        paths = list(session.scalars(matches))
        ids = {int(p) for path in paths for p in path.strip("/").split("/")}
        stmt = stmt.where(OrgUnit.id.in_(ids)) if ids else stmt.where(OrgUnit.id == -1)
    units = list(session.scalars(stmt.limit(limit + 1)))
    truncated = len(units) > limit
    units = units[:limit]
    counts: dict[int | None, int] = {unit_id: n for unit_id, n in session.execute(
        select(User.org_unit_id, func.count()).where(User.org_unit_id.in_([u.id for u in units]))
        .group_by(User.org_unit_id))} if units else {}
    top = min((u.path.count("/") for u in units), default=0)

    def key(u: OrgUnit):
        return [int(p) for p in u.path.strip("/").split("/")]

    by_id = {u.id: u for u in units}
    # Sort siblings by name: build the sort key from the names along the path.
    def name_key(u: OrgUnit):
        return [(by_id[i].name if i in by_id else "", i) for i in key(u)]

    units.sort(key=name_key)
    return [TreeRow(u, u.path.count("/") - top, counts.get(u.id, 0)) for u in units], truncated


def search_units(session: Session, q: str, *, scope: Scope | None = None, limit: int = 30) -> list[OrgUnit]:
    """Units whose name or code contains q (for pickers), ordered by path."""
    stmt = select(OrgUnit)
    if scope is not None:
        stmt = stmt.where(scope.unit_condition())
    q = (q or "").strip()
    if q:
        stmt = stmt.where(any_contains(q, OrgUnit.name, OrgUnit.code))
    return list(session.scalars(stmt.order_by(OrgUnit.path).limit(limit)))


def ancestors(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    ids = [int(p) for p in unit.path.strip("/").split("/")[:-1]]
    if not ids:
        return []
    found = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]




CHILDREN_PER_PAGE = 100


def children_page(session: Session, unit: OrgUnit, *, page: int = 1,
                  per_page: int = CHILDREN_PER_PAGE) -> tuple[list[OrgUnit], int]:
    """One page of the unit's children, by name then code (a stable order), and how many there are."""
    total = int(session.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.parent_id == unit.id)) or 0)
    children = list(session.scalars(select(OrgUnit).where(OrgUnit.parent_id == unit.id)
                                    .order_by(OrgUnit.name, OrgUnit.code).offset((page - 1) * per_page).limit(per_page)))
    return children, total


def subtree_ids(unit: OrgUnit):
    """A SELECT of the ids of the unit and everything below it."""
    return select(OrgUnit.id).where(path_startswith(OrgUnit.path, unit.path))


def units_by_id(session: Session, ids) -> dict[int, OrgUnit]:
    ids = {i for i in ids if i}
    return {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))} if ids else {}
