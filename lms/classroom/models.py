"""Classroom sessions of a course, sign-ups with their waiting list, and attendance.

Operational data, not part of a course's versioned content: a session belongs
to the course (not to a version), is held by a training-centre org unit and
run by a trainer. Times are stored in UTC.

The number of booked places is kept on the session row (`booked`), changed
only by conditional UPDATEs (`booked < capacity`) and guarded by a CHECK, so
parallel sign-ups for the last place give exactly one booking whatever the
application does. `waiting_seq` numbers the waiting list in the same way.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base
from lms.enums import sql_in

SESSION_STATUSES = ("scheduled", "cancelled")
SIGNUP_STATES = ("booked", "waiting", "cancelled")
ATTENDANCE_STATUSES = ("present", "absent", "excused")
MAX_CAPACITY = 1000


class ClassroomSession(Base):
    __tablename__ = "classroom_sessions"
    __table_args__ = (
        CheckConstraint(sql_in("status", SESSION_STATUSES), name="status"),
        CheckConstraint(f"capacity >= 1 AND capacity <= {MAX_CAPACITY}", name="capacity"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked"),
        CheckConstraint("ends_at > starts_at", name="times"),
        Index("ix_classroom_sessions_course_start", "course_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    instructions_md: Mapped[str] = mapped_column(Text, default="")
    instructions_html: Mapped[str] = mapped_column(Text, default="")  # content.render_markdown (sanitised)
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # UTC
    ends_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # UTC
    place: Mapped[str] = mapped_column(String(300))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), index=True)
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    waiting_seq: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)

    course = relationship("Course")
    org_unit = relationship("OrgUnit")
    trainer = relationship("User", foreign_keys=[trainer_id])

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


class SessionSignup(Base):
    """One person's place on a session: booked, on the waiting list (ordered by
    `position`), or cancelled. One row per (session, person), reused when they
    sign up again."""

    __tablename__ = "session_signups"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        UniqueConstraint("session_id", "position"),
        CheckConstraint(sql_in("state", SIGNUP_STATES), name="state"),
        CheckConstraint("(state = 'waiting') = (position IS NOT NULL)", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("classroom_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    position: Mapped[int | None] = mapped_column(Integer)  # the waiting list's order (waiting rows only)
    signed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    booked_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)

    user = relationship("User", foreign_keys=[user_id])


class SessionAttendance(Base):
    """Whether a person came to a session, and who recorded it when."""

    __tablename__ = "session_attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        CheckConstraint(sql_in("status", ATTENDANCE_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("classroom_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(DateTime)
