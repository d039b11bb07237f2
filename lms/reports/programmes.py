"""The programme report's statements: per staff category, the headcount of the
subtree, the people registered and those who completed the programme
(coverage = completed / headcount, as the coverage report counts); per
person, the courses of the programme done. SQL aggregates; no flask here."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from lms.auth.models import User
from lms.enums import STAFF_CATEGORIES
from lms.learn.models import CourseCompletion
from lms.orgs.models import Headcount, OrgUnit
from lms.programmes.models import Programme, ProgrammeCompletion, ProgrammeCourse
from lms.reports.services import child_key, children_of, path_prefix


@dataclass(frozen=True)
class CategoryRow:
    staff_category: str
    headcount: int
    registered: int
    completed: int

    @property
    def coverage(self) -> float | None:
        return self.completed / self.headcount if self.headcount else None


def _people(session: Session, unit: OrgUnit, profession: str | None):
    criteria = [User.status == "active", path_prefix(session, OrgUnit.path, unit.path)]
    if profession:
        criteria.append(User.profession == profession)
    return criteria


def _headcounts_in_force(session: Session, unit: OrgUnit, today: date, category: str | None, *key):
    """SUM of the headcounts in force `today` in the subtree, grouped by `key` columns."""
    later = aliased(Headcount)
    newest = ~select(later.id).where(later.org_unit_id == Headcount.org_unit_id,
                                      later.staff_category == Headcount.staff_category,
                                      later.valid_from <= today, later.valid_from > Headcount.valid_from).exists()
    stmt = (select(*key, func.sum(Headcount.headcount)).join(OrgUnit, OrgUnit.id == Headcount.org_unit_id)
            .where(Headcount.valid_from <= today, newest, path_prefix(session, OrgUnit.path, unit.path))
            .group_by(*key))
    if category:
        stmt = stmt.where(Headcount.staff_category == category)
    return {tuple(row[:-1]): int(row[-1] or 0) for row in session.execute(stmt)}


@dataclass(frozen=True)
class UnitRow:
    unit: OrgUnit
    own: bool  # the unit's own staff, not a child's subtree
    headcount: int
    registered: int
    completed: int

    @property
    def coverage(self) -> float | None:
        return self.completed / self.headcount if self.headcount else None


def coverage_by_unit(session: Session, unit: OrgUnit, programme: Programme, *, today: date,
                     category: str | None = None, profession: str | None = None) -> list[UnitRow]:
    """The unit's own staff, then one row per child unit (its whole subtree)."""
    key = child_key(session, OrgUnit.path, unit.path)
    heads = _headcounts_in_force(session, unit, today, category, key.label("k"))
    done = case((ProgrammeCompletion.id.is_not(None), 1), else_=0)
    criteria = _people(session, unit, profession)
    if category:
        criteria.append(User.staff_category == category)
    counts = {k: (int(n or 0), int(c or 0)) for k, n, c in session.execute(
        select(key.label("k"), func.count(User.id), func.sum(done))
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .outerjoin(ProgrammeCompletion, and_(ProgrammeCompletion.user_id == User.id,
                                             ProgrammeCompletion.programme_id == programme.id))
        .where(*criteria).group_by(key)).all()}
    units = [(unit, True)] + [(child, False) for child, _has in children_of(session, unit)]
    return [UnitRow(u, own, heads.get((u.path,), 0), *counts.get(u.path, (0, 0))) for u, own in units]


def coverage_by_category(session: Session, unit: OrgUnit, programme: Programme, *, today: date,
                         profession: str | None = None) -> list[CategoryRow]:
    """One row per staff category, and the headcounts in force `today` in the subtree."""
    heads = _headcounts_in_force(session, unit, today, None, Headcount.staff_category)
    done = case((ProgrammeCompletion.id.is_not(None), 1), else_=0)
    counts = {cat: (int(n or 0), int(c or 0)) for cat, n, c in session.execute(
        select(User.staff_category, func.count(User.id), func.sum(done))
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .outerjoin(ProgrammeCompletion, and_(ProgrammeCompletion.user_id == User.id,
                                             ProgrammeCompletion.programme_id == programme.id))
        .where(*_people(session, unit, profession)).group_by(User.staff_category)).all()}
    return [CategoryRow(c, heads.get((c,), 0), *counts.get(c, (0, 0))) for c in STAFF_CATEGORIES]


class PersonLine(NamedTuple):
    user_id: int
    username: str
    full_name: str
    staff_category: str
    profession: str | None
    unit_code: str
    unit_name: str
    required_done: int
    optional_done: int
    completed_at: datetime | None


def people_progress(session: Session, unit: OrgUnit, programme: Programme, *, profession: str | None = None,
                    limit: int | None = None) -> Iterator[PersonLine]:
    """People of the subtree who completed at least one course of the programme, or the programme."""
    pc = ProgrammeCourse
    required = func.sum(case((pc.required, 1), else_=0))
    optional = func.sum(case((pc.required, 0), else_=1))
    done = (select(CourseCompletion.user_id, required.label("req"), optional.label("opt"))
            .join(pc, and_(pc.course_id == CourseCompletion.course_id, pc.programme_id == programme.id))
            .group_by(CourseCompletion.user_id).subquery("done"))
    stmt = (select(User.id, User.username, User.full_name, User.staff_category, User.profession, OrgUnit.code,
                   OrgUnit.name, func.coalesce(done.c.req, 0), func.coalesce(done.c.opt, 0),
                   ProgrammeCompletion.completed_at)
            .join(OrgUnit, OrgUnit.id == User.org_unit_id)
            .outerjoin(done, done.c.user_id == User.id)
            .outerjoin(ProgrammeCompletion, and_(ProgrammeCompletion.user_id == User.id,
                                                 ProgrammeCompletion.programme_id == programme.id))
            .where(*_people(session, unit, profession),
                   (done.c.user_id.is_not(None)) | ProgrammeCompletion.id.is_not(None))
            .order_by(User.full_name, User.username))
    if limit is not None:
        stmt = stmt.limit(limit)
    for row in session.execute(stmt):
        yield PersonLine(*row)
