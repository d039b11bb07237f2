from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base
from lms.enums import (
    COURSE_STATUSES, LANGUAGES, QUESTION_KINDS, SCHEMES, SKILL_TYPES, STAFF_CATEGORIES, TARGET_LEVELS, sql_in,
)


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint(sql_in("skill_type", SKILL_TYPES), name="skill_type"),
        CheckConstraint(sql_in("target_level", TARGET_LEVELS), name="target_level"),
        CheckConstraint(sql_in("language", LANGUAGES), name="language"),
        CheckConstraint(sql_in("status", COURSE_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary_md: Mapped[str] = mapped_column(Text, default="")
    summary_html: Mapped[str] = mapped_column(Text, default="")
    skill_type: Mapped[str] = mapped_column(String(20), index=True)
    target_level: Mapped[str] = mapped_column(String(20), index=True)
    language: Mapped[str] = mapped_column(String(8))
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    # Terms of reference, as Markdown with its sanitised HTML.
    objectives_md: Mapped[str] = mapped_column(Text, default="")
    objectives_html: Mapped[str] = mapped_column(Text, default="")
    target_publics_md: Mapped[str] = mapped_column(Text, default="")
    target_publics_html: Mapped[str] = mapped_column(Text, default="")
    conditions_md: Mapped[str] = mapped_column(Text, default="")
    conditions_html: Mapped[str] = mapped_column(Text, default="")
    programme_md: Mapped[str] = mapped_column(Text, default="")
    programme_html: Mapped[str] = mapped_column(Text, default="")
    supports_md: Mapped[str] = mapped_column(Text, default="")
    supports_html: Mapped[str] = mapped_column(Text, default="")
    final_evaluation_md: Mapped[str] = mapped_column(Text, default="")
    final_evaluation_html: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    schemes: Mapped[list[CourseScheme]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    audiences: Mapped[list[CourseAudience]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    quiz: Mapped[Quiz | None] = relationship(back_populates="course", cascade="all, delete-orphan", uselist=False)

    @property
    def scheme_names(self) -> list[str]:
        return sorted(s.scheme for s in self.schemes)

    @property
    def audience_names(self) -> list[str]:
        return [c for c in STAFF_CATEGORIES if c in {a.staff_category for a in self.audiences}]


class CourseScheme(Base):
    __tablename__ = "course_schemes"
    __table_args__ = (
        UniqueConstraint("course_id", "scheme"),
        CheckConstraint(sql_in("scheme", SCHEMES), name="scheme"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(String(20), index=True)


class CourseAudience(Base):
    __tablename__ = "course_audiences"
    __table_args__ = (
        UniqueConstraint("course_id", "staff_category"),
        CheckConstraint(sql_in("staff_category", STAFF_CATEGORIES), name="staff_category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    staff_category: Mapped[str] = mapped_column(String(16), index=True)


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=1)

    course: Mapped[Course] = relationship(back_populates="lessons")


class Quiz(Base):
    __tablename__ = "quizzes"
    __table_args__ = (
        CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark"),
        CheckConstraint("attempts_allowed >= 0", name="attempts_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[int] = mapped_column(Integer, default=60)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=0)  # 0 = unlimited
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=False)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    questions_per_attempt: Mapped[int | None] = mapped_column(Integer)  # a pool: draw N of M

    course: Mapped[Course] = relationship(back_populates="quiz")
    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint(sql_in("kind", QUESTION_KINDS), name="kind"),
        CheckConstraint("points > 0", name="points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    text_md: Mapped[str] = mapped_column(Text)
    text_html: Mapped[str] = mapped_column(Text)
    feedback_md: Mapped[str] = mapped_column(Text, default="")
    feedback_html: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(Integer, default=1)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", order_by="QuestionOption.position", cascade="all, delete-orphan",
        lazy="selectin",
    )


class QuestionOption(Base):
    __tablename__ = "question_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text_md: Mapped[str] = mapped_column(Text)
    text_html: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback_md: Mapped[str] = mapped_column(Text, default="")
    feedback_html: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[Question] = relationship(back_populates="options")
