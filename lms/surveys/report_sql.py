"""The needs report's statements, built once per shape (dialect x scope kind x
category filter x level filter) and then reused with other parameters, like
the coverage report's (lms.reports.coverage_sql, whose scope parameters they
share: `scope_ids` or `scope_pattern`, and `prefix_length` for the child key).

Every statement groups the survey's counters (never the answers themselves)
by one of the dimensions the report splits on (DIMENSIONS): the staff
category, the child of the report's unit the respondent's unit lies under,
the unit's level or its kind; the report then only reads these few groups.

No flask here.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import and_, bindparam, exists, func, select

from lms.courses.models import Course, CourseAudience, CourseScheme
from lms.db import table_of
from lms.orgs.models import Headcount, OrgUnit
from lms.reports.coverage_sql import child_key, in_scope
from lms.reports.models import CELL_COLUMNS, report_unit_people
from lms.surveys.models import NEEDS, SurveyTopic, SurveyTopicScheme, survey_need_counts, survey_respondent_counts

DIMENSIONS = ("category", "child", "level", "kind")


def _dim(dialect: str, dim: str, category_col):
    """The column a breakdown groups on: the staff category, or (through the
    respondent's unit) the child of the report's unit, the level or the kind."""
    if dim == "category":
        return category_col.label("g")
    if dim == "child":
        return child_key(dialect, OrgUnit.path).label("g")
    if dim in ("level", "kind"):
        return getattr(OrgUnit, dim).label("g")
    raise ValueError(dim)


def _filters(dialect: str, kind: str, category_col, unit_col, *, with_category: bool, with_levels: bool) -> list:
    """Scope, the categories asked (`categories`, or the one `category`), the levels targeted (`levels`)."""
    conds = [in_scope(dialect, kind, unit_col)]
    if with_category:
        conds.append(category_col == bindparam("category"))
    else:
        conds.append(category_col.in_(bindparam("categories", expanding=True)))
    if with_levels:
        conds.append(OrgUnit.level.in_(bindparam("levels", expanding=True)))
    return conds


@cache
def need_counts(dialect: str, kind: str, with_category: bool, dim: str):
    """(group, topic_id, *NEEDS) for survey `survey_id`, grouped by one dimension
    (one statement per dimension: each reads the counters once and returns a
    few hundred rows, where one statement grouped by all of them would sort
    every counter row)."""
    c = survey_need_counts
    group = _dim(dialect, dim, c.c.staff_category)
    stmt = select(group, c.c.topic_id, *[func.sum(c.c[name]) for name in NEEDS])
    if dim != "category":
        stmt = stmt.join(OrgUnit, OrgUnit.id == c.c.org_unit_id)
    return stmt.where(c.c.survey_id == bindparam("survey_id"),
                      *_filters(dialect, kind, c.c.staff_category, c.c.org_unit_id, with_category=with_category,
                                with_levels=False)) \
        .group_by(group, c.c.topic_id)


@cache
def respondent_counts(dialect: str, kind: str, with_category: bool, dim: str):
    """(group, language, respondents) for survey `survey_id`, grouped by one dimension."""
    r = survey_respondent_counts
    group = _dim(dialect, dim, r.c.staff_category)
    stmt = select(group, r.c.language, func.sum(r.c.respondents))
    if dim != "category":
        stmt = stmt.join(OrgUnit, OrgUnit.id == r.c.org_unit_id)
    return stmt.where(r.c.survey_id == bindparam("survey_id"), r.c.respondents > 0,
                      *_filters(dialect, kind, r.c.staff_category, r.c.org_unit_id, with_category=with_category,
                                with_levels=False)) \
        .group_by(group, r.c.language)


@cache
def units_answered(dialect: str, kind: str, with_category: bool):
    """(level, kind, units with a respondent, respondents) for survey `survey_id`."""
    r = survey_respondent_counts
    return select(OrgUnit.level, OrgUnit.kind, func.count(func.distinct(r.c.org_unit_id)), func.sum(r.c.respondents)) \
        .join(OrgUnit, OrgUnit.id == r.c.org_unit_id) \
        .where(r.c.survey_id == bindparam("survey_id"), r.c.respondents > 0,
               *_filters(dialect, kind, r.c.staff_category, r.c.org_unit_id, with_category=with_category,
                         with_levels=False)) \
        .group_by(OrgUnit.level, OrgUnit.kind)


@cache
def headcounts(dialect: str, kind: str, with_category: bool, with_levels: bool, dim: str):
    """(group, headcount in force on `on_date`) of the target's units
    (categories and levels of the survey) in the scope, grouped by one dimension."""
    h = table_of(Headcount)
    unit, category = h.c.org_unit_id, h.c.staff_category
    if dialect == "postgresql":  # the newest row on or before the date, per unit and category
        rows = select(unit, category, h.c.headcount).distinct(unit, category).order_by(unit, category,
                                                                                      h.c.valid_from.desc())
    else:  # SQLite: the other columns come from the row holding the maximum
        rows = select(unit, category, h.c.headcount, func.max(h.c.valid_from)).group_by(unit, category)
    rows = rows.where(h.c.valid_from <= bindparam("on_date"), in_scope(dialect, kind, unit))
    latest = rows.subquery("h")
    group = _dim(dialect, dim, latest.c.staff_category)
    return select(group, func.sum(latest.c.headcount)) \
        .join(OrgUnit, OrgUnit.id == latest.c.org_unit_id) \
        .where(*_filters(dialect, kind, latest.c.staff_category, latest.c.org_unit_id, with_category=with_category,
                         with_levels=with_levels)) \
        .group_by(group)


@cache
def trained(dialect: str, kind: str, with_category: bool, with_levels: bool):
    """(staff_category, *people trained per cell, as of now) of the target's units in the scope."""
    p = report_unit_people
    return select(p.c.staff_category, *[func.sum(p.c[col]) for col in CELL_COLUMNS]) \
        .join(OrgUnit, OrgUnit.id == p.c.org_unit_id) \
        .where(*_filters(dialect, kind, p.c.staff_category, p.c.org_unit_id, with_category=with_category,
                         with_levels=with_levels)) \
        .group_by(p.c.staff_category)


def _for_categories():
    """A course meant for one of `categories` (or for everyone)."""
    return Course.audiences.any(CourseAudience.staff_category.in_(bindparam("categories", expanding=True))) \
        | ~Course.audiences.any()


@cache
def offer_per_cell():
    """(skill_type, target_level, language, published courses) meant for the report's categories."""
    return select(Course.skill_type, Course.target_level, Course.language, func.count()) \
        .where(Course.status == "published", _for_categories()) \
        .group_by(Course.skill_type, Course.target_level, Course.language)


@cache
def offer_per_topic():
    """(topic_id, language, published courses) of survey `survey_id`: courses of
    the topic's cell meant for the report's categories, with one of the
    topic's schemes when it names any."""
    ts, cs = table_of(SurveyTopicScheme), table_of(CourseScheme)
    t = table_of(SurveyTopic)
    no_schemes = ~exists().where(ts.c.topic_id == t.c.id)
    shares_a_scheme = exists().where(ts.c.topic_id == t.c.id, cs.c.course_id == Course.id, cs.c.scheme == ts.c.scheme)
    return select(t.c.id, Course.language, func.count(func.distinct(Course.id))) \
        .join(Course, and_(Course.skill_type == t.c.skill_type, Course.target_level == t.c.target_level)) \
        .where(t.c.survey_id == bindparam("survey_id"), Course.status == "published", _for_categories(),
               no_schemes | shares_a_scheme) \
        .group_by(t.c.id, Course.language)



__all__ = ["DIMENSIONS", "headcounts", "need_counts", "offer_per_cell", "offer_per_topic", "respondent_counts", "trained",
           "units_answered"]
