from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        CheckConstraint("source IN ('self', 'assigned', 'api', 'recorded')", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    # The version the learner follows; they move to a newer one only when they choose to.
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(16), default="self")
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    quiz_passed_at: Mapped[datetime | None] = mapped_column(DateTime)

    course = relationship("Course")
    version = relationship("CourseVersion")


class LessonCompletion(Base):
    """A learner did a lesson of a given version. Completions reference the
    version's own lesson row (so progress is always counted against the
    version the learner follows, and history of older versions stays intact);
    moving to a newer version copies the rows of lessons whose slug still
    exists (see lms.learn.services.move_to_latest_version)."""
    __tablename__ = "lesson_completions"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(DateTime)


class QuizAttempt(Base):
    """One attempt at a quiz. `number` is unique per learner and quiz, so two
    parallel starts cannot both take the last allowed attempt."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "number"),
        CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The drawn questions in their order, each with the per-attempt tokens that
    # stand for it and its options in pages and the API (lms.learn.services.draw_layout):
    # [{"q": question_id, "t": token, "o": [[option_id, token], ...]}, ...]
    # (matching: "o" the items, "c" the answers to choose from).
    layout: Mapped[list] = mapped_column(JSON)
    points_earned: Mapped[float | None] = mapped_column(Float)
    points_possible: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)  # percent, 0-100
    # None once submitted: an answer waits for a person to grade it (an essay).
    passed: Mapped[bool | None] = mapped_column(Boolean)

    answers: Mapped[list[AttemptAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", lazy="selectin"
    )
    quiz = relationship("Quiz")


class AttemptAnswer(Base):
    """The learner's answer to one question of an attempt, and its grade."""

    __tablename__ = "attempt_answers"
    __table_args__ = (
        UniqueConstraint("attempt_id", "question_id"),
        CheckConstraint("state IN ('graded', 'awaiting_grading')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    # Choice: the options chosen; short answer and numerical: the accepted answer matched.
    selected_option_ids: Mapped[list] = mapped_column(JSON)
    # What was typed (short answer, numerical, essay: {"text": ...}) or paired
    # (matching: {"pairs": {item option id: answer option id}}); None for choices.
    response: Mapped[dict | None] = mapped_column(JSON)
    is_correct: Mapped[bool] = mapped_column(Boolean)  # full marks
    fraction: Mapped[float | None] = mapped_column(Float)  # 0-1 of the points; None while awaiting grading
    points: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16), default="graded", server_default="graded")

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")


class CourseCompletion(Base):
    """A learner completed a course: recorded once, never removed. `source`
    'recorded': training done outside the platform, recorded by a manager,
    trainer or administrator (lms.evaluations.recorded) with its place and
    evidence."""

    __tablename__ = "course_completions"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        CheckConstraint("source IN ('online', 'recorded')", name="source"),
        CheckConstraint("mode IN ('online', 'classroom', 'blended')", name="mode"),  # courses.models.DELIVERY_MODES
        CheckConstraint("source = 'online' OR (recorded_at IS NOT NULL AND recorded_place IS NOT NULL"
                        " AND recorded_evidence IS NOT NULL)", name="recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    score: Mapped[float | None] = mapped_column(Float)  # best quiz score, if the course has a quiz
    source: Mapped[str] = mapped_column(String(16), default="online", server_default="online")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime)  # when it was recorded
    recorded_place: Mapped[str | None] = mapped_column(String(200))
    recorded_evidence: Mapped[str | None] = mapped_column(String(1000))
    # How the person was trained (online | classroom | blended): the delivery
    # mode of the version they followed, or what the recorder said. Never changes.
    mode: Mapped[str] = mapped_column(String(16), default="online", server_default="online")
