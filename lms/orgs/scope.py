"""A training manager's scope: their org unit and everything below it.

The ONE place that decides which org units (and so which people, assignments
and report rows) a user may see. Administrators, and managers attached to a
national unit (SSCBC), see everything; any other manager sees the subtree of
their own unit; a manager without a unit sees nothing. Every page, export,
filter and total of managers goes through these helpers.

Subtrees are prefix matches on the materialised path (OrgUnit.path,
"/1/7/42/"): LIKE 'prefix%' on PostgreSQL (varchar_pattern_ops index), GLOB
'prefix*' on SQLite (the plain binary index serves GLOB, not LIKE).
No flask here: out-of-scope ids raise werkzeug's NotFound, which every caller
(HTML, JSON, CLI) turns into a 404 - an id outside the scope is
indistinguishable from one that does not exist.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Boolean, ColumnElement, false, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement as _ColumnElement
from werkzeug.exceptions import NotFound

from lms.auth.models import User
from lms.orgs.models import OrgUnit


class _PathPrefix(_ColumnElement):
    """`column` starts with the literal `prefix` (paths hold only digits and '/')."""

    inherit_cache = False
    type = Boolean()

    def __init__(self, column, prefix: str) -> None:
        if not prefix or any(ch not in "0123456789/" for ch in prefix):
            raise ValueError(f"not an org-unit path: {prefix!r}")
        self.column = column
        self.prefix = prefix


@compiles(_PathPrefix)
def _prefix_like(element, compiler, **kw):
    return compiler.process(element.column.like(element.prefix + "%"), **kw)


@compiles(_PathPrefix, "sqlite")
def _prefix_glob(element, compiler, **kw):
    return compiler.process(element.column.op("GLOB")(element.prefix + "*"), **kw)


def path_startswith(column, prefix: str) -> ColumnElement[bool]:
    return _PathPrefix(column, prefix)


@dataclass(frozen=True)
class Scope:
    """everything=True: no restriction. Otherwise `path` is the root of the
    visible subtree (None: nothing visible)."""

    everything: bool = False
    path: str | None = None
    unit_id: int | None = None

    @property
    def empty(self) -> bool:
        return not self.everything and self.path is None

    def unit_condition(self, unit=OrgUnit) -> ColumnElement[bool]:
        """A WHERE condition on an OrgUnit (or an alias of it)."""
        if self.everything:
            return true()
        if self.path is None:
            return false()
        return path_startswith(unit.path, self.path)

    def unit_ids(self):
        """A SELECT of the ids of the units in scope (for IN (...))."""
        return select(OrgUnit.id).where(self.unit_condition())

    def contains_path(self, path: str | None) -> bool:
        if self.everything:
            return True
        return self.path is not None and path is not None and path.startswith(self.path)


def scope_for(session: Session, user) -> Scope:
    """Where a manager or an administrator may see and act on people."""
    roles = user.role_names
    if "admin" in roles:
        return Scope(everything=True)
    if "manager" not in roles or user.org_unit_id is None:
        return Scope()
    return _unit_subtree(session, user.org_unit_id)


def staff_scope(session: Session, user) -> Scope:
    """Where a manager, an administrator or a trainer may act on the training of
    people (sessions, attendance, tasks, evaluations, recorded training):
    managers and administrators as in scope_for; a trainer their own unit's
    subtree (everything from the national unit)."""
    scope = scope_for(session, user)
    if not scope.empty or "trainer" not in user.role_names or user.org_unit_id is None:
        return scope
    return _unit_subtree(session, user.org_unit_id)


def _unit_subtree(session: Session, unit_id: int) -> Scope:
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        return Scope()
    if unit.level == "national":
        return Scope(everything=True, unit_id=unit.id)
    return Scope(path=unit.path, unit_id=unit.id)


def unit_ids_in_scope(session: Session, user) -> list[int]:
    """The ids of every unit the user may see (for small trees and reports)."""
    scope = scope_for(session, user)
    return list(session.scalars(scope.unit_ids()))


def require_unit_in_scope(session: Session, user, unit_id: int | None, scope: Scope | None = None) -> OrgUnit:
    """The unit, if it exists and the user may see it; else NotFound (404)."""
    scope = scope or scope_for(session, user)
    unit = session.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit is None or not scope.contains_path(unit.path):
        raise NotFound()
    return unit


def require_user_in_scope(session: Session, manager, user_id: int, scope: Scope | None = None) -> User:
    """A person whose unit the manager may see; else NotFound (404). Admins
    see everyone, including people without a unit."""
    scope = scope or scope_for(session, manager)
    person = session.get(User, user_id)
    if person is None:
        raise NotFound()
    if scope.everything:
        return person
    unit = session.get(OrgUnit, person.org_unit_id) if person.org_unit_id is not None else None
    if unit is None or not scope.contains_path(unit.path):
        raise NotFound()
    return person
