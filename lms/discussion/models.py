"""Course questions and answers (讨论区).

A question belongs to a course and to the enrolled learner who asked it; an
answer belongs to a question. Both keep the Markdown as typed and the HTML the
one sanitiser made of it. A moderator hides an item with a reason (hidden_at,
hidden_by_id, hidden_reason) and may restore it; nothing is ever deleted by
moderation. At most one answer of a question is accepted: the acceptance is a
row of its own, whose key is the question and whose answer must belong to that
question (a composite foreign key), so the schema holds the rule.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base

TITLE_MAX = 200
REASON_MAX = 500
HIDDEN_CHECK = "(hidden_at IS NULL AND hidden_reason = '') OR (hidden_at IS NOT NULL AND hidden_reason <> '')"


class DiscussionQuestion(Base):
    __tablename__ = "discussion_questions"
    __table_args__ = (
        CheckConstraint("title <> ''", name="title"),
        CheckConstraint(HIDDEN_CHECK, name="hidden"),
        Index("ix_discussion_questions_course_created", "course_id", "created_at"),
        Index("ix_discussion_questions_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")


class DiscussionAnswer(Base):
    __tablename__ = "discussion_answers"
    __table_args__ = (
        UniqueConstraint("id", "question_id"),  # the target of the acceptance's composite key
        CheckConstraint("body_md <> ''", name="body"),
        CheckConstraint(HIDDEN_CHECK, name="hidden"),
        Index("ix_discussion_answers_question_created", "question_id", "created_at"),
        Index("ix_discussion_answers_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("discussion_questions.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")


class DiscussionAcceptance(Base):
    """The accepted answer of a question (one at most: the question is the key)."""

    __tablename__ = "discussion_acceptances"
    __table_args__ = (
        ForeignKeyConstraint(["answer_id", "question_id"],
                             ["discussion_answers.id", "discussion_answers.question_id"], ondelete="CASCADE"),
    )

    question_id: Mapped[int] = mapped_column(ForeignKey("discussion_questions.id", ondelete="CASCADE"),
                                             primary_key=True)
    answer_id: Mapped[int] = mapped_column(unique=True)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime] = mapped_column(DateTime)
