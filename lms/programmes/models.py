from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base
from lms.enums import PROFESSIONS, PROGRAMME_STATUSES, STAFF_CATEGORIES, sql_in


class Programme(Base):
    """An ordered set of courses leading to a programme certificate: every
    required course and at least `min_optional` of the optional ones.
    draft -> review -> published -> archived; only a draft is edited (a
    package import replaces a draft, or a published programme from the CLI)."""

    __tablename__ = "programmes"
    __table_args__ = (
        CheckConstraint(sql_in("status", PROGRAMME_STATUSES), name="status"),
        CheckConstraint("min_optional >= 0", name="min_optional"),
        CheckConstraint("certificate_validity_days IS NULL OR certificate_validity_days > 0",
                        name="certificate_validity_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description_md: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    certificate_validity_days: Mapped[int | None] = mapped_column(Integer)
    min_optional: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_comment: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(DateTime)

    courses: Mapped[list[ProgrammeCourse]] = relationship(
        back_populates="programme", order_by="ProgrammeCourse.position", cascade="all, delete-orphan",
        passive_deletes=True,
    )
    audiences: Mapped[list[ProgrammeAudience]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    professions: Mapped[list[ProgrammeProfession]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @property
    def audience_names(self) -> list[str]:
        chosen = {a.staff_category for a in self.audiences}
        return [c for c in STAFF_CATEGORIES if c in chosen]

    @property
    def profession_names(self) -> list[str]:
        chosen = {p.profession for p in self.professions}
        return [p for p in PROFESSIONS if p in chosen]

    @property
    def required_count(self) -> int:
        return sum(1 for c in self.courses if c.required)

    @property
    def needed_count(self) -> int:
        """How many courses complete the programme."""
        return self.required_count + self.min_optional


class ProgrammeCourse(Base):
    __tablename__ = "programme_courses"
    __table_args__ = (
        UniqueConstraint("programme_id", "course_id"),
        UniqueConstraint("programme_id", "position"),
        CheckConstraint("position >= 1", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    required: Mapped[bool] = mapped_column(Boolean, default=True)

    programme: Mapped[Programme] = relationship(back_populates="courses")
    course = relationship("Course")


class ProgrammeAudience(Base):
    __tablename__ = "programme_audiences"
    __table_args__ = (
        UniqueConstraint("programme_id", "staff_category"),
        CheckConstraint(sql_in("staff_category", STAFF_CATEGORIES), name="staff_category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    staff_category: Mapped[str] = mapped_column(String(16))


class ProgrammeProfession(Base):
    __tablename__ = "programme_professions"
    __table_args__ = (
        UniqueConstraint("programme_id", "profession"),
        CheckConstraint(sql_in("profession", PROFESSIONS), name="profession"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    profession: Mapped[str] = mapped_column(String(32))


class ProgrammeCompletion(Base):
    """A person completed a programme: recorded once, never removed."""

    __tablename__ = "programme_completions"
    __table_args__ = (UniqueConstraint("user_id", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(DateTime)


class ProgrammeEvent(Base):
    """The programme's trail: who changed what, and when (UTC)."""

    __tablename__ = "programme_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
