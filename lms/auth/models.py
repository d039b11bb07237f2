from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base
from lms.enums import LANGUAGES, PROFESSIONS, ROLES, STAFF_CATEGORIES, sql_in


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(sql_in("staff_category", STAFF_CATEGORIES), name="staff_category"),
        CheckConstraint(sql_in("language", LANGUAGES), name="language"),
        CheckConstraint(sql_in("status", ("active", "pending", "deactivated")), name="status"),
        CheckConstraint(sql_in("profession", PROFESSIONS), name="profession"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    staff_category: Mapped[str] = mapped_column(String(16))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="zh_CN")
    # IANA zone name the person reads times in; None: the site's zone (LMS_TIMEZONE).
    timezone: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A password set by an administrator or manager: the person must choose their own at first login.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Created through self-registration: only such an account, never approved, may be rejected (deleted).
    self_registered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Profession or speciality (lms.enums.PROFESSIONS), optional.
    profession: Mapped[str | None] = mapped_column(String(32), index=True)

    roles: Mapped[list[UserRole]] = relationship(back_populates="user", cascade="all, delete-orphan")
    org_unit = relationship("OrgUnit")

    # Filled by the login lookups in one query with the user (see
    # lms.auth.services.user_for_login_session); None means "ask self.roles".
    cached_role_names = None  # frozenset[str] | None

    @property
    def role_names(self) -> frozenset[str]:
        if self.cached_role_names is None:
            self.cached_role_names = frozenset(r.role for r in self.roles)
        return self.cached_role_names

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    # Flask-Login protocol. The id given to Flask-Login is the login-session
    # token set by lms.auth.login, never the user id.
    is_authenticated = True
    is_anonymous = False
    # Not a column: the login session's token for this request (Flask-Login's id).
    __allow_unmapped__ = True
    login_token: str | None = None

    def get_id(self) -> str | None:
        return self.login_token


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint(sql_in("role", ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship(back_populates="roles")


class LoginSession(Base):
    """A server-side record of one login; the cookie carries only its id.

    Deleting the row ends the session, so a replayed cookie is refused.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """Failed login attempts, shared by all workers, for throttling."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
