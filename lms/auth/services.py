"""Accounts, login sessions, API tokens. No flask here: callers pass the
session, the clock and the request facts they need."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from lms import events
from lms.auth.models import ApiToken, LoginFailure, LoginSession, User, UserRole
from lms.auth.passwords import hash_password, password_problem, verify_password
from lms.enums import LANGUAGES, ROLES, STAFF_CATEGORIES
from lms.msgids import N_
from lms.zones import known_zone


class AccountError(ValueError):
    """A refused account change; the message is a translatable msgid."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session, *, username: str, password: str | None, staff_category: str, now: datetime,
    full_name: str = "", email: str = "", org_unit_id: int | None = None, language: str = "zh_CN",
    roles: Iterable[str] = ("learner",), status: str = "active",
) -> User:
    username = username.strip()
    if not username:
        raise AccountError(N_("A username is required."))
    if staff_category not in STAFF_CATEGORIES:
        raise AccountError(N_("Unknown staff category."))
    if language not in LANGUAGES:
        raise AccountError(N_("Unknown language."))
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(N_("This username is taken."))
    user = User(username=username, full_name=full_name, email=email, staff_category=staff_category,
                org_unit_id=org_unit_id, language=language, status=status, created_at=now)
    if password is not None:
        problem = password_problem(password, username=username)
        if problem:
            raise AccountError(problem)
        user.password_hash = hash_password(password)
    set_roles(user, roles)
    session.add(user)
    session.flush()
    events.user_changed(session, user_id=user.id)  # report counters: registered people
    return user


def set_roles(user: User, roles: Iterable[str]) -> None:
    wanted = set(roles) | {"learner"}
    unknown = wanted - set(ROLES)
    if unknown:
        raise AccountError(N_("Unknown role."))
    user.roles[:] = [r for r in user.roles if r.role in wanted]
    for role in sorted(wanted - {r.role for r in user.roles}):
        user.roles.append(UserRole(role=role))
    user.cached_role_names = None


@dataclass(frozen=True)
class LoginPolicy:
    """Failed logins counted within `window`, shared by all workers:
    - one username from one address: `max_failures`, then that pair waits;
    - one address, all usernames: 10 x `max_failures` (an office behind one
      NAT address gets room), then the address waits;
    - one username from all addresses: past 4 x `max_failures` the account is
      slowed, never locked: one attempt per `slow_interval`, so an attacker
      cannot lock its owner out;
    - bad API tokens from one address: 10 x `max_failures`, then further bad
      tokens get 429; a valid token always works."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    slow_interval: timedelta = timedelta(seconds=30)

    @property
    def per_address(self) -> int:
        return self.max_failures * 10

    @property
    def per_username(self) -> int:
        return self.max_failures * 4


TOO_MANY_FAILURES = N_("Too many failed attempts. Wait a few minutes and try again.")
ACCOUNT_SLOWED = N_("This account has had many failed logins: wait half a minute between attempts.")
# The "username" under which bad API tokens are counted, per address.
TOKEN_GUESSES = "(api token)"  # nosec B105 - a label, not a secret


def _failures(session: Session, since: datetime, *conditions) -> int:
    return int(session.scalar(select(func.count()).where(LoginFailure.at >= since, *conditions)) or 0)


def login_refusal(session: Session, *, username: str, ip: str, now: datetime, policy: LoginPolicy) -> str | None:
    """Why a login attempt is refused before its password is checked (a msgid), or None."""
    since, name = now - policy.window, username.lower()[:80]
    if _failures(session, since, LoginFailure.username == name, LoginFailure.ip == ip) >= policy.max_failures:
        return TOO_MANY_FAILURES
    if _failures(session, since, LoginFailure.ip == ip) >= policy.per_address:
        return TOO_MANY_FAILURES
    if _failures(session, since, LoginFailure.username == name) >= policy.per_username:
        last = session.scalar(select(func.max(LoginFailure.at)).where(LoginFailure.username == name))
        if last is not None and now - last < policy.slow_interval:
            return ACCOUNT_SLOWED
    return None


def token_guessing_throttled(session: Session, *, ip: str, now: datetime, policy: LoginPolicy) -> bool:
    """Too many bad API tokens from this address (checked only once a token turned out invalid)."""
    return _failures(session, now - policy.window, LoginFailure.username == TOKEN_GUESSES,
                     LoginFailure.ip == ip) >= policy.per_address


def record_login_failure(session: Session, *, username: str, ip: str, now: datetime, policy: LoginPolicy) -> None:
    session.add(LoginFailure(username=username.lower()[:80], ip=ip[:64], at=now))
    # Keep the table small: drop what no window can see any more.
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - policy.window * 4))


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for every failure)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.password_hash:
        # The same cost whether the account exists, has no password yet, or has one.
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    return user


_DUMMY_HASH = hash_password(secrets.token_hex(8))


def start_login_session(session: Session, *, user: User, now: datetime) -> str:
    """Record a new login; returns the token to put in the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(token_hash=_digest(token), user_id=user.id, created_at=now, last_seen_at=now))
    user.last_login_at = now
    session.flush()
    return token


def _role_list():
    """The user's roles as one comma-separated string, in the same query as the user."""
    return (select(func.aggregate_strings(UserRole.role, ",")).where(UserRole.user_id == User.id)
            .correlate(User).scalar_subquery())


def _with_roles(user: User, roles: str | None) -> User:
    user.cached_role_names = frozenset(roles.split(",")) if roles else frozenset()
    return user


# Built once: every request runs it, and SQLAlchemy then reuses its compiled form.
_LOGIN_LOOKUP = (select(LoginSession.created_at, User, _role_list()).join(User, User.id == LoginSession.user_id)
                 .where(LoginSession.token_hash == bindparam("token_hash")))


def user_for_login_session(session: Session, *, token: str, now: datetime, max_age: timedelta) -> User | None:
    """The active user of a live login session, with roles, in one query (every request runs it)."""
    row = session.execute(_LOGIN_LOOKUP, {"token_hash": _digest(token)}).first()
    if row is None:
        return None
    created_at, user, roles = row
    if not user.is_active or created_at + max_age < now:
        return None
    return _with_roles(user, roles)


def end_login_session(session: Session, *, token: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


def end_all_login_sessions(session: Session, *, user_id: int) -> None:
    session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def change_password(session: Session, *, user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError(N_("The current password is wrong."))
    if verify_password(user.password_hash, new):
        raise AccountError(N_("Choose a password different from the current one."))
    set_password(session, user=user, password=new)


def set_timezone(session: Session, *, user: User, zone: str | None) -> None:
    """The zone `user` reads times in; None or "" for the site's."""
    if zone and not known_zone(zone):
        raise AccountError(N_("Unknown time zone."))
    user.timezone = zone or None
    session.flush()


def set_password(session: Session, *, user: User, password: str, set_by_other: bool = False) -> None:
    """A new password ends every login session and revokes every API token of
    the person. `set_by_other` (a reset by an administrator or manager): the
    person must change it at their next login."""
    problem = password_problem(password, username=user.username)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    user.must_change_password = set_by_other
    end_all_login_sessions(session, user_id=user.id)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def deactivate_user(session: Session, *, user: User) -> None:
    user.status = "deactivated"
    events.user_changed(session, user_id=user.id)  # report counters: no longer counted
    end_all_login_sessions(session, user_id=user.id)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def create_api_token(session: Session, *, user: User, now: datetime, name: str = "") -> str:
    token = "lms_" + secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=_digest(token), user_id=user.id, name=name, created_at=now))
    session.flush()
    return token


def user_for_api_token(session: Session, *, token: str) -> User | None:
    row = session.execute(
        select(User, _role_list()).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked.is_(False), User.status == "active")
    ).first()
    return _with_roles(*row) if row else None
