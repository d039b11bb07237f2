"""Training-needs surveys, their answers and the counters the needs report reads.

A survey asks its target (an org subtree x staff categories, optionally only
some levels of unit) how much they need each topic; a topic sits in one cell
of the catalogue's skill type x target level matrix and may name schemes.
draft -> open -> closed. Once opened, a survey changes only by versions:
every change is a numbered SurveyVersion holding the whole content as it
then was, and the topics can only gain wording changes or new topics (their
cell, their schemes and the target are fixed), so an answer given under an
earlier version keeps its meaning.

Answers (need codes, NEED_CODES) are tied to the person's unit, category and
language at answering time. The counters hold, per survey, unit and category,
the answers per topic and need, and the respondents per language; they change
in the same transaction as the answers (lms.surveys.services) and can be
rebuilt from them at any time.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base
from lms.enums import LANGUAGES, ORG_LEVELS, SCHEMES, SKILL_TYPES, STAFF_CATEGORIES, TARGET_LEVELS, sql_in

SURVEY_STATUSES = ("draft", "open", "closed")
# The need scale, in the order a questionnaire lists it; the code is the stored value.
NEEDS = ("not_needed", "useful", "essential", "no_answer")
NEED_CODES = {name: code for code, name in enumerate(NEEDS)}
NO_ANSWER = NEED_CODES["no_answer"]


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint(sql_in("status", SURVEY_STATUSES), name="status"),
        CheckConstraint("closes_on >= opens_on", name="dates"),
        CheckConstraint("version >= 0", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    # The target: this unit and everything below it.
    root_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    # 0 while a draft; the number of the latest SurveyVersion once opened.
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    root_unit = relationship("OrgUnit")
    categories: Mapped[list[SurveyCategory]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    levels: Mapped[list[SurveyLevel]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    topics: Mapped[list[SurveyTopic]] = relationship(back_populates="survey", order_by="SurveyTopic.position",
                                                     cascade="all, delete-orphan", passive_deletes=True)

    @property
    def category_names(self) -> list[str]:
        chosen = {c.staff_category for c in self.categories}
        return [c for c in STAFF_CATEGORIES if c in chosen]

    @property
    def level_names(self) -> list[str]:
        """The levels of unit targeted; empty: every level."""
        chosen = {level.level for level in self.levels}
        return [v for v in ORG_LEVELS if v in chosen]


class SurveyCategory(Base):
    __tablename__ = "survey_categories"
    __table_args__ = (CheckConstraint(sql_in("staff_category", STAFF_CATEGORIES), name="staff_category"),)

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    staff_category: Mapped[str] = mapped_column(String(16), primary_key=True)


class SurveyLevel(Base):
    __tablename__ = "survey_levels"
    __table_args__ = (CheckConstraint(sql_in("level", ORG_LEVELS), name="level"),)

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)


class SurveyTopic(Base):
    """A question of the survey: how much do you need <title>? `key` names it
    in the paper import's columns and never changes."""

    __tablename__ = "survey_topics"
    __table_args__ = (
        UniqueConstraint("survey_id", "key"),
        CheckConstraint(sql_in("skill_type", SKILL_TYPES), name="skill_type"),
        CheckConstraint(sql_in("target_level", TARGET_LEVELS), name="target_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    skill_type: Mapped[str] = mapped_column(String(20))
    target_level: Mapped[str] = mapped_column(String(20))
    comment_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The version that brought the topic (1 for the topics of the opening; 0 never stays once opened).
    added_in_version: Mapped[int] = mapped_column(Integer, default=0)

    survey: Mapped[Survey] = relationship(back_populates="topics")
    schemes: Mapped[list[SurveyTopicScheme]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @property
    def scheme_names(self) -> list[str]:
        chosen = {s.scheme for s in self.schemes}
        return [s for s in SCHEMES if s in chosen]

    @property
    def cell(self) -> tuple[str, str]:
        return self.skill_type, self.target_level


class SurveyTopicScheme(Base):
    __tablename__ = "survey_topic_schemes"
    __table_args__ = (CheckConstraint(sql_in("scheme", SCHEMES), name="scheme"),)

    topic_id: Mapped[int] = mapped_column(ForeignKey("survey_topics.id", ondelete="CASCADE"), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(20), primary_key=True)


class SurveyVersion(Base):
    """The survey as it was at a version: everything it asked, as JSON."""

    __tablename__ = "survey_versions"
    __table_args__ = (CheckConstraint("number >= 1", name="number"),)

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(Text, default="")  # what changed from the version before
    content: Mapped[str] = mapped_column(Text)  # JSON: title, description, dates, target, topics


class SurveyEvent(Base):
    """The survey's history: created, edited, opened, revised, closed, imported."""

    __tablename__ = "survey_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User")


class SurveyResponse(Base):
    """One respondent's answers: a person answering online (once, changed
    until the survey closes), or a paper questionnaire (`paper_ref`, its
    number, unique in the survey). The unit, category and language are the
    respondent's at answering time."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("survey_id", "user_id"),
        UniqueConstraint("survey_id", "paper_ref"),
        CheckConstraint("(user_id IS NULL) <> (paper_ref IS NULL)", name="one_source"),
        CheckConstraint(sql_in("staff_category", STAFF_CATEGORIES), name="staff_category"),
        CheckConstraint(sql_in("language", LANGUAGES), name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    paper_ref: Mapped[str | None] = mapped_column(String(64))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    staff_category: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)  # the survey version answered
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    answers: Mapped[list[SurveyAnswer]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class SurveyAnswer(Base):
    __tablename__ = "survey_answers"
    __table_args__ = (CheckConstraint(f"need BETWEEN 0 AND {len(NEEDS) - 1}", name="need"),)

    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("survey_topics.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)
    need: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)


# Answers per survey, unit (of the respondent), category and topic, one column per need.
survey_need_counts = Table(
    "survey_need_counts", Base.metadata,
    Column("survey_id", ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True),
    Column("org_unit_id", ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_category", String(16), primary_key=True),
    Column("topic_id", ForeignKey("survey_topics.id", ondelete="CASCADE"), primary_key=True),
    *[Column(name, Integer, nullable=False) for name in NEEDS],
    sqlite_with_rowid=False,  # clustered by (survey, unit): a subtree is read in key order
)

# Respondents per survey, unit, category and language.
survey_respondent_counts = Table(
    "survey_respondent_counts", Base.metadata,
    Column("survey_id", ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True),
    Column("org_unit_id", ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_category", String(16), primary_key=True),
    Column("language", String(8), primary_key=True),
    Column("respondents", Integer, nullable=False),
    sqlite_with_rowid=False,
)
