from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base


class Certificate(Base):
    """A certificate of completion of a course or of a programme (exactly one
    of the two). What it shows (holder, unit, title, hours) is a snapshot
    taken when it was issued: editing a course or moving a person never
    changes a certificate already given. Issued once per person and course
    (or programme): the unique constraints make a second issue a no-op."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        UniqueConstraint("user_id", "programme_id"),
        CheckConstraint("(course_id IS NULL AND programme_id IS NOT NULL) OR (course_id IS NOT NULL AND programme_id IS NULL)",
                        name="one_subject"),
        CheckConstraint("hours >= 0", name="hours"),
        CheckConstraint("expires_at IS NULL OR expires_at > completed_at", name="expiry"),
        CheckConstraint("(revoked_at IS NULL) = (revoke_reason = '')", name="revocation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    # Its foreign key is added by migration 0014, which creates the programmes.
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    # Readable (SSCBC-2026-000123) and unguessable (for /verify/<code>), both unique.
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    # The snapshot printed on the certificate.
    holder_name: Mapped[str] = mapped_column(String(200))
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200))
    hours: Mapped[float] = mapped_column(Float, default=0)
    completed_at: Mapped[datetime] = mapped_column(DateTime)
    issued_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)  # None: never expires
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
