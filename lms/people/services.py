"""People administration and runtime settings. No flask: callers pass the
session, the acting user, the clock."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from lms import events
from lms.assignments.services import apply_assignments_to_user
from lms.auth.models import User
from lms.auth.services import AccountError, create_user, deactivate_user, set_password, set_roles
from lms.dbutil import any_contains
from lms.enums import LANGUAGES, PROFESSIONS, STAFF_CATEGORIES
from lms.learn.models import CourseCompletion, Enrolment, LessonCompletion, QuizAttempt
from lms.msgids import N_
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope, path_startswith
from lms.people.models import SiteSetting

SELF_REGISTRATION = "self_registration"
PRIVILEGED_ROLES = frozenset({"author", "manager", "admin"})
PAGE_SIZE = 50


# ---- settings --------------------------------------------------------------

def get_flag(session: Session, key: str, default: bool) -> bool:
    value = session.scalar(select(SiteSetting.value).where(SiteSetting.key == key))
    return default if value is None else value == "1"


def set_flag(session: Session, key: str, value: bool, *, now: datetime) -> None:
    row = session.get(SiteSetting, key)
    if row is None:
        session.add(SiteSetting(key=key, value="1" if value else "0", updated_at=now))
    else:
        row.value, row.updated_at = ("1" if value else "0"), now
    session.flush()


# ---- finding people --------------------------------------------------------

@dataclass(frozen=True)
class UserFilter:
    q: str = ""
    unit_path: str | None = None  # a subtree, already checked to be in scope
    category: str | None = None
    status: str | None = None


def user_query(scope: Scope, flt: UserFilter):
    stmt = select(User).outerjoin(OrgUnit, OrgUnit.id == User.org_unit_id)
    if not scope.everything:
        stmt = stmt.where(scope.unit_condition(OrgUnit))
    if flt.unit_path:
        stmt = stmt.where(path_startswith(OrgUnit.path, flt.unit_path))
    if flt.category:
        stmt = stmt.where(User.staff_category == flt.category)
    if flt.status:
        stmt = stmt.where(User.status == flt.status)
    q = flt.q.strip()
    if q:
        stmt = stmt.where(any_contains(q, User.username, User.full_name, User.email))
    return stmt


def find_users(session: Session, scope: Scope, flt: UserFilter, *, page: int = 1,
               per_page: int = PAGE_SIZE) -> tuple[list[User], int]:
    stmt = user_query(scope, flt)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    users = list(session.scalars(stmt.order_by(User.username).offset((page - 1) * per_page).limit(per_page)))
    return users, int(total or 0)


def may_manage(actor, target: User) -> bool:
    """Admins manage everyone; a manager manages learners only (people with
    no author/manager/admin role), never themselves. Scope is checked apart."""
    if "admin" in actor.role_names:
        return True
    if "manager" not in actor.role_names or actor.id == target.id:
        return False
    return not (target.role_names & PRIVILEGED_ROLES)


# ---- changing people -------------------------------------------------------

@dataclass(frozen=True)
class UserChanges:
    full_name: str
    email: str
    org_unit_id: int | None
    staff_category: str
    language: str
    status: str
    roles: frozenset[str] | None = None  # None: leave roles alone (managers)
    profession: str | None = ""  # "": leave it alone; None: no profession


def update_user(session: Session, target: User, changes: UserChanges, *, now: datetime) -> list[str]:
    """Apply an edit; returns the names of the fields that changed. Ends the
    person's sessions when they are deactivated; re-applies assignments."""
    if changes.staff_category not in STAFF_CATEGORIES:
        raise AccountError(N_("Unknown staff category."))
    if changes.language not in LANGUAGES:
        raise AccountError(N_("Unknown language."))
    if changes.status not in ("active", "deactivated", "pending"):
        raise AccountError(N_("Unknown status."))
    if changes.status == "pending" and target.status != "pending":
        # "pending" is a self-registration waiting for approval, never a state to put someone back into.
        raise AccountError(N_("Only a self-registration waits for approval; deactivate the account instead."))
    if changes.profession and changes.profession not in PROFESSIONS:
        raise AccountError(N_("Unknown profession."))
    changed = []
    if changes.profession != "" and target.profession != changes.profession:
        target.profession = changes.profession
        changed.append("profession")
    for name in ("full_name", "email", "org_unit_id", "staff_category", "language"):
        if getattr(target, name) != getattr(changes, name):
            setattr(target, name, getattr(changes, name))
            changed.append(name)
    if changes.roles is not None and set(changes.roles) | {"learner"} != target.role_names:
        set_roles(target, changes.roles)
        changed.append("roles")
    if changes.status != target.status:
        changed.append("status")
        if changes.status == "deactivated":
            deactivate_user(session, user=target)
        else:
            target.status = changes.status
    session.flush()
    events.user_changed(session, user_id=target.id)  # report counters: unit, category, status
    if {"org_unit_id", "staff_category", "status", "profession"} & set(changed):
        apply_assignments_to_user(session, target.id, now)
    return changed


def deactivate(session: Session, target: User, *, now: datetime) -> bool:
    if target.status == "deactivated":
        return False
    deactivate_user(session, user=target)
    session.flush()
    apply_assignments_to_user(session, target.id, now)
    return True


def reset_password(session: Session, target: User) -> str:
    """Set a new random password and return it (shown once to the admin, never
    stored in clear). Every session and API token of the person ends, and they
    must choose their own password at their next login."""
    password = "-".join(secrets.token_urlsafe(4).replace("-", "x").replace("_", "y") for _ in range(3))
    set_password(session, user=target, password=password, set_by_other=True)
    return password


# ---- self-registration -----------------------------------------------------

def register(session: Session, *, username: str, password: str, full_name: str, email: str, org_unit_id: int,
             staff_category: str, language: str, now: datetime) -> User:
    """A self-registered account: status "pending", a learner only, until a
    manager of the unit (or of an ancestor) approves it."""
    if session.get(OrgUnit, org_unit_id) is None:
        raise AccountError(N_("Choose your org unit."))
    user = create_user(session, username=username, password=password, staff_category=staff_category,
                       full_name=full_name.strip(), email=email.strip(), org_unit_id=org_unit_id,
                       language=language, roles=("learner",), status="pending", now=now)
    user.self_registered = True
    session.flush()
    return user


def pending_registrations(session: Session, scope: Scope) -> list[User]:
    stmt = (select(User).join(OrgUnit, OrgUnit.id == User.org_unit_id)
            .where(User.status == "pending", scope.unit_condition(OrgUnit)).order_by(User.created_at, User.id))
    return list(session.scalars(stmt))


def approve(session: Session, target: User, *, now: datetime) -> int:
    """Activate a pending account and enrol it in its assignments."""
    if target.status != "pending":
        raise AccountError(N_("This account is not waiting for approval."))
    target.status = "active"
    session.flush()
    events.user_changed(session, user_id=target.id)  # report counters: now counted
    return apply_assignments_to_user(session, target.id, now)


def has_training_history(session: Session, user_id: int) -> bool:
    """Any record of training: an enrolment, a completed lesson, a quiz attempt, a completion."""
    return any(session.scalar(select(exists().where(model.user_id == user_id)))
               for model in (Enrolment, LessonCompletion, QuizAttempt, CourseCompletion))


def reject(session: Session, target: User) -> None:
    """Delete a self-registration that was never approved (its username
    becomes free again). Nobody else is ever deleted: training history is
    kept, and an account that should not log in is deactivated."""
    if target.status != "pending":
        raise AccountError(N_("This account is not waiting for approval."))
    if not target.self_registered or has_training_history(session, target.id):
        raise AccountError(N_("This account has a training history; deactivate it instead of rejecting it."))
    session.delete(target)
    session.flush()
