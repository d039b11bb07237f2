from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from content.grading import numerical_value
from content.spec import DEFAULT_ESSAY_CHARS
from lms.db import Base
from lms.enums import (
    COURSE_STATUSES,
    DELIVERY_MODES,
    LANGUAGES,
    QUESTION_KINDS,
    SCHEMES,
    SKILL_TYPES,
    STAFF_CATEGORIES,
    TARGET_LEVELS,
    sql_in,
)


class CourseMetadata:
    """Descriptive fields shared by a course (the catalogue's copy of its live
    version) and each of its versions (the snapshot an author edits)."""

    title: Mapped[str] = mapped_column(String(200))
    summary_md: Mapped[str] = mapped_column(Text, default="")
    summary_html: Mapped[str] = mapped_column(Text, default="")
    skill_type: Mapped[str] = mapped_column(String(20), index=True)
    target_level: Mapped[str] = mapped_column(String(20), index=True)
    language: Mapped[str] = mapped_column(String(8))
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # Days a certificate of completion stays valid (None: it never expires).
    certificate_validity_days: Mapped[int | None] = mapped_column(Integer)
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
    # The review cycle (issue 18): the policy the course states is that in force
    # on policy_as_of; authors must review it by review_by (after policy_as_of).
    policy_as_of: Mapped[date | None] = mapped_column(Date)
    review_by: Mapped[date | None] = mapped_column(Date)


# Both dates may be empty; when both are set, the review comes after the policy date.
REVIEW_DATES_CHECK = "review_by > policy_as_of"


class Course(CourseMetadata, Base):
    """The stable identity of a course (its code). Its descriptive columns are
    a copy of the live published version (or of the latest draft while it has
    never been published), so the catalogue filters one table. Content lives in
    CourseVersion; `lessons` and `quiz` here are those of the live version."""

    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint(sql_in("skill_type", SKILL_TYPES), name="skill_type"),
        CheckConstraint(sql_in("target_level", TARGET_LEVELS), name="target_level"),
        CheckConstraint(sql_in("language", LANGUAGES), name="language"),
        CheckConstraint(sql_in("status", COURSE_STATUSES), name="status"),
        CheckConstraint(sql_in("delivery_mode", DELIVERY_MODES), name="delivery_mode"),
        CheckConstraint(REVIEW_DATES_CHECK, name="review_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    # published: a version is live; archived: withdrawn from the catalogue;
    # draft/review: never published yet (the state of its first version).
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # online | classroom | blended: how the live version is delivered (set at publish; see delivery_mode()).
    delivery_mode: Mapped[str] = mapped_column(String(16), default="online", server_default="online", index=True)

    versions: Mapped[list[CourseVersion]] = relationship(
        back_populates="course", order_by="CourseVersion.number", cascade="all, delete-orphan",
        passive_deletes=True,
    )
    published_version: Mapped[CourseVersion | None] = relationship(
        primaryjoin="and_(CourseVersion.course_id == Course.id, CourseVersion.status == 'published')",
        viewonly=True, uselist=False,
    )
    lessons: Mapped[list[Lesson]] = relationship(
        secondary="course_versions",
        primaryjoin="and_(CourseVersion.course_id == Course.id, CourseVersion.status == 'published')",
        secondaryjoin="Lesson.version_id == CourseVersion.id",
        order_by="Lesson.position", viewonly=True,
    )
    quiz: Mapped[Quiz | None] = relationship(
        secondary="course_versions",
        primaryjoin="and_(CourseVersion.course_id == Course.id, CourseVersion.status == 'published')",
        secondaryjoin="Quiz.version_id == CourseVersion.id",
        viewonly=True, uselist=False,
    )
    # Loaded on demand; listings ask for them with WITH_TAGS (see catalog.services).
    schemes: Mapped[list[CourseScheme]] = relationship(cascade="all, delete-orphan")
    audiences: Mapped[list[CourseAudience]] = relationship(cascade="all, delete-orphan")

    @property
    def scheme_names(self) -> list[str]:
        return sorted(s.scheme for s in self.schemes)

    @property
    def audience_names(self) -> list[str]:
        return [c for c in STAFF_CATEGORIES if c in {a.staff_category for a in self.audiences}]


class CourseVersion(CourseMetadata, Base):
    """One version of a course's content. Published versions are immutable:
    editing always happens in a draft copied from the latest version.
    draft -> review -> published -> archived (superseded or withdrawn)."""

    __tablename__ = "course_versions"
    __table_args__ = (
        UniqueConstraint("course_id", "number"),
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint(sql_in("skill_type", SKILL_TYPES), name="skill_type"),
        CheckConstraint(sql_in("target_level", TARGET_LEVELS), name="target_level"),
        CheckConstraint(sql_in("language", LANGUAGES), name="language"),
        CheckConstraint(sql_in("status", COURSE_STATUSES), name="status"),
        CheckConstraint("required_sessions >= 0", name="required_sessions"),
        CheckConstraint(REVIEW_DATES_CHECK, name="review_dates"),
        CheckConstraint(sql_in("delivery_mode", DELIVERY_MODES), name="delivery_mode"),
        # At most one live version per course.
        Index("uq_course_versions_one_published", "course_id", unique=True,
              sqlite_where=text("status = 'published'"), postgresql_where=text("status = 'published'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    schemes: Mapped[list] = mapped_column(JSON, default=list)
    audience: Mapped[list] = mapped_column(JSON, default=list)
    # Hash of the package an import came from (with its images), so importing
    # the same package again changes nothing even when image links were rewritten.
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    based_on: Mapped[int | None] = mapped_column(Integer)  # number of the version it was copied from
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_comment: Mapped[str] = mapped_column(Text, default="")
    # online | classroom | blended, fixed when the version is published (delivery_mode()):
    # the mode of training of every completion of this version (CourseCompletion.mode).
    delivery_mode: Mapped[str] = mapped_column(String(16), default="online", server_default="online")
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    # What a package of this version would be refused for, found when it was last
    # saved ([] publishable), as {"file", "line", "field", "message"}: the author's
    # course page shows it without re-rendering the lessons.
    problems: Mapped[list] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    # Completion rules (content.spec.CompletionSpec): quiz, tasks and evaluation count only when the version has them.
    require_lessons: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    require_quiz: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    required_sessions: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    require_tasks: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    require_evaluation: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    course: Mapped[Course] = relationship(back_populates="versions")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="version", order_by="Lesson.position", cascade="all, delete-orphan", passive_deletes=True,
    )
    quiz: Mapped[Quiz | None] = relationship(back_populates="version", cascade="all, delete-orphan", uselist=False,
                                             passive_deletes=True)
    tasks: Mapped[list[CourseTask]] = relationship(
        back_populates="version", order_by="CourseTask.position", cascade="all, delete-orphan", passive_deletes=True,
    )
    evaluation: Mapped[CourseEvaluation | None] = relationship(
        back_populates="version", cascade="all, delete-orphan", uselist=False, passive_deletes=True,
    )
    created_by = relationship("User", foreign_keys=[created_by_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])

    @property
    def scheme_names(self) -> list[str]:
        return sorted(self.schemes or [])

    @property
    def audience_names(self) -> list[str]:
        return [c for c in STAFF_CATEGORIES if c in set(self.audience or [])]


class CourseEvent(Base):
    """The course's trail: who changed what, and when (UTC)."""

    __tablename__ = "course_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    username: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


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
    __table_args__ = (UniqueConstraint("version_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # course_id repeats the version's course, so per-course queries need no join.
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=1)

    version: Mapped[CourseVersion] = relationship(back_populates="lessons")
    course: Mapped[Course] = relationship(viewonly=True)


class Quiz(Base):
    __tablename__ = "quizzes"
    __table_args__ = (
        CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark"),
        CheckConstraint("attempts_allowed >= 0", name="attempts_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[int] = mapped_column(Integer, default=60)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=0)  # 0 = unlimited
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=False)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    questions_per_attempt: Mapped[int | None] = mapped_column(Integer)  # a pool: draw N of M
    # Review options: when a learner sees each part of a submitted attempt
    # (content.spec.REVIEW_TIMES: immediately | when_finished | never).
    review_score: Mapped[str] = mapped_column(String(16), default="immediately", server_default="immediately")
    review_correctness: Mapped[str] = mapped_column(String(16), default="immediately", server_default="immediately")
    review_right_answers: Mapped[str] = mapped_column(String(16), default="when_finished",
                                                      server_default="when_finished")
    review_feedback: Mapped[str] = mapped_column(String(16), default="when_finished", server_default="when_finished")

    version: Mapped[CourseVersion] = relationship(back_populates="quiz")
    course: Mapped[Course] = relationship(viewonly=True)
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
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")  # the author's name for it
    units: Mapped[list] = mapped_column(JSON, default=list, server_default=text("'[]'"))  # numerical: [[unit, multiplier]]
    max_chars: Mapped[int | None] = mapped_column(Integer)  # essay

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", order_by="QuestionOption.position", cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def essay_limit(self) -> int:
        """The longest essay answer accepted, in characters."""
        return self.max_chars or DEFAULT_ESSAY_CHARS


class QuestionOption(Base):
    """An option of a choice question, an accepted answer of a short-answer or
    numerical question, or a pair (or distractor) of a matching question; see
    content.spec.OptionSpec for what each column means per kind."""

    __tablename__ = "question_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text_md: Mapped[str] = mapped_column(Text)
    text_html: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback_md: Mapped[str] = mapped_column(Text, default="")
    feedback_html: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float | None] = mapped_column(Float)  # percent; None: all-or-nothing choice
    min_value: Mapped[float | None] = mapped_column(Float)  # numerical: the accepted range
    max_value: Mapped[float | None] = mapped_column(Float)
    match_text: Mapped[str] = mapped_column(Text, default="", server_default="")  # matching: the item's answer

    question: Mapped[Question] = relationship(back_populates="options")

    @property
    def range_label(self) -> str:
        """A numerical answer's accepted numbers as people write them: 4, 3000 ± 50, 0.1 – 0.3."""
        if self.min_value is None or self.max_value is None:
            return "*"
        exact = numerical_value(self.min_value, self.max_value)
        if exact is None:
            return f"{self.min_value:g} – {self.max_value:g}"
        return f"{exact[0]:g}" + (f" ± {exact[1]:g}" if exact[1] else "")


class CourseTask(Base):
    """An on-the-job task of a version (issue 15): the learner reports on work
    done, a manager or trainer marks the report. Submissions (lms.evaluations)
    name the task by course and slug, so they carry over to newer versions."""

    __tablename__ = "course_tasks"
    __table_args__ = (UniqueConstraint("version_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    instructions_md: Mapped[str] = mapped_column(Text)
    instructions_html: Mapped[str] = mapped_column(Text)

    version: Mapped[CourseVersion] = relationship(back_populates="tasks")


class CourseEvaluation(Base):
    """The manager evaluation of a version: the final evaluation its text describes."""

    __tablename__ = "course_evaluations"
    __table_args__ = (CheckConstraint("max_score IS NULL OR max_score >= 1", name="max_score"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    instructions_md: Mapped[str] = mapped_column(Text)
    instructions_html: Mapped[str] = mapped_column(Text)
    max_score: Mapped[int | None] = mapped_column(Integer)

    version: Mapped[CourseVersion] = relationship(back_populates="evaluation")
