"""On-the-job task reports, manager evaluations and essay grades (issue 15).

Every record is a new row: a report sent again after "to redo" is another
submission, an evaluation recorded again is another record (the latest
counts), so the history stays whole."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base

SUBMISSION_STATES = ("submitted", "done", "redo")


class TaskSubmission(Base):
    """A learner's report on an on-the-job task, and its mark. The task is named
    by course and slug (the row of the version it was sent for is kept too), so
    a report still counts after the learner moves to a newer version."""

    __tablename__ = "task_submissions"
    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'done', 'redo')", name="status"),
        CheckConstraint("attachment_size IS NULL OR attachment_size > 0", name="attachment_size"),
        # One report waiting for a mark per learner and task: a double click sends one.
        Index("uq_task_submissions_one_waiting", "user_id", "course_id", "task_slug", unique=True,
              sqlite_where=text("status = 'submitted'"), postgresql_where=text("status = 'submitted'")),
        Index("ix_task_submissions_status", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("course_tasks.id", ondelete="SET NULL"), index=True)
    task_slug: Mapped[str] = mapped_column(String(80))
    report: Mapped[str] = mapped_column(Text)
    # The attachment (an image or a PDF), stored under a random name outside static/ and media/.
    attachment_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    attachment_type: Mapped[str | None] = mapped_column(String(32))
    attachment_size: Mapped[int | None] = mapped_column(Integer)
    attachment_original: Mapped[str] = mapped_column(String(200), default="", server_default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    marked_at: Mapped[datetime | None] = mapped_column(DateTime)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")


class EvaluationRecord(Base):
    """A manager evaluation recorded for a learner: the latest record counts;
    once one says passed, the completion it brought never goes away."""

    __tablename__ = "evaluation_records"
    __table_args__ = (CheckConstraint("score IS NULL OR score >= 0", name="score"),
                      Index("ix_evaluation_records_learner", "user_id", "course_id", "recorded_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("course_evaluations.id", ondelete="SET NULL"))
    passed: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class EssayGrade(Base):
    """Who graded an essay answer, with what points and comment (one per answer)."""

    __tablename__ = "essay_grades"
    __table_args__ = (CheckConstraint("points >= 0", name="points"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("attempt_answers.id", ondelete="CASCADE"), unique=True)
    points: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    graded_at: Mapped[datetime] = mapped_column(DateTime)
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
