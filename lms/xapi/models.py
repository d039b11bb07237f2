from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base


class XapiStatement(Base):
    """One learning event as an xAPI 1.0.3 statement (lms.xapi.statements builds
    it). `statement_id` is a UUID5 of the event and its ids, so recording the same
    event twice adds nothing (unique). `id` orders the statements for paging; the
    other columns repeat what the export filters on."""

    __tablename__ = "xapi_statements"
    __table_args__ = (Index("ix_xapi_statements_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    verb: Mapped[str] = mapped_column(String(200), index=True)
    object_id: Mapped[str] = mapped_column(String(500))
    # When the event happened (statement.timestamp) and when it was recorded here (stored).
    timestamp: Mapped[datetime] = mapped_column(DateTime)
    stored: Mapped[datetime] = mapped_column(DateTime, index=True)
    statement: Mapped[dict] = mapped_column(JSON)
