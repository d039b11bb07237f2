from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base
from lms.enums import ORG_KINDS, ORG_LEVELS, STAFF_CATEGORIES, sql_in


class OrgUnit(Base):
    """A bureau, agency, company or community in the national tree.

    `path` is the materialised chain of ids ("/1/7/42/") so a subtree is one
    indexed prefix match, for reports and manager scope (lms.orgs.scope).
    The index uses varchar_pattern_ops on PostgreSQL so `LIKE 'prefix%'` can
    use it whatever the database collation; SQLite matches with GLOB, which
    uses the plain (binary) index.
    """

    __tablename__ = "org_units"
    __table_args__ = (
        CheckConstraint(sql_in("level", ORG_LEVELS), name="level"),
        CheckConstraint(sql_in("kind", ORG_KINDS), name="kind"),
        Index("ix_org_units_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    path: Mapped[str] = mapped_column(String(512), default="")

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code}>"


class Headcount(Base):
    """How many people of one staff category a unit has, from a date on."""

    __tablename__ = "headcounts"
    __table_args__ = (
        UniqueConstraint("org_unit_id", "staff_category", "valid_from"),
        CheckConstraint(sql_in("staff_category", STAFF_CATEGORIES), name="staff_category"),
        CheckConstraint("headcount >= 0", name="headcount_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"))
    staff_category: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[date] = mapped_column(Date)
    headcount: Mapped[int] = mapped_column(Integer)
