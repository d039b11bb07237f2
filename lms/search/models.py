from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base


class SearchTerm(Base):
    """One term of a published course and the weight of the best place it
    occurs in (title > summary > lesson title > body): the inverted index the
    catalogue search reads, the same plain table on SQLite and PostgreSQL."""

    __tablename__ = "search_terms"

    term: Mapped[str] = mapped_column(String(40), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True)
    weight: Mapped[int] = mapped_column(Integer)
