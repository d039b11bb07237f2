from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base
from lms.enums import OUTBOX_KINDS, PROFESSIONS, STAFF_CATEGORIES, sql_in

REMINDER_KINDS = ("due_soon", "overdue")


class Assignment(Base):
    """A course assigned to everyone of some staff categories in an org subtree,
    due on a date. People who join or move into the subtree later are enrolled
    too (lms.assignments.services.sync_assignments)."""

    __tablename__ = "assignments"
    __table_args__ = (CheckConstraint(sql_in("profession", PROFESSIONS), name="profession"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Only people of this profession (None: whatever their profession).
    profession: Mapped[str | None] = mapped_column(String(32))

    course = relationship("Course")
    org_unit = relationship("OrgUnit")
    categories: Mapped[list[AssignmentCategory]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AssignmentCategory.staff_category"
    )

    @property
    def category_names(self) -> list[str]:
        chosen = {c.staff_category for c in self.categories}
        return [c for c in STAFF_CATEGORIES if c in chosen]

    @property
    def active(self) -> bool:
        return self.cancelled_at is None


class AssignmentCategory(Base):
    __tablename__ = "assignment_categories"
    __table_args__ = (
        UniqueConstraint("assignment_id", "staff_category"),
        CheckConstraint(sql_in("staff_category", STAFF_CATEGORIES), name="staff_category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    staff_category: Mapped[str] = mapped_column(String(16))


class AssignmentMember(Base):
    """A person an assignment currently applies to (one row per assignment and user)."""

    __tablename__ = "assignment_members"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(DateTime)


class OutboxMessage(Base):
    """One message to send (an e-mail, or for kind xapi a statement for the
    learning record store). (assignment, user, kind) is unique for assignment
    reminders, and `dedupe_key` (e.g. "session:12:user:7:reminder") for every
    other kind, so a message is queued once however often a job runs. A sender claims rows
    (claim_token, claimed_at) before sending, so overlapping runs never send a
    row twice; failures are retried later (attempts, next_attempt_at)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("assignment_id", "user_id", "kind"),
        CheckConstraint(sql_in("kind", OUTBOX_KINDS), name="kind"),
        Index("ix_outbox_unsent", "sent_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
