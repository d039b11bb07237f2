"""The needs report: what a survey's respondents need, per skill type x target
level cell and per topic, by staff category, by unit (drill-down), by level
and by kind of unit, beside the catalogue's offer and the coverage already
reached. No flask: callers pass the unit (checked against the reader's
scope), the category filter and `today`.

Definitions (also in the README, "Training-needs surveys"):
- need score of a group: the mean of its answers with not needed = 0,
  useful = 50, essential = 100 ('no answer' left out), so 0..100;
- share of 'essential': essential answers / answers other than 'no answer';
- 'no answer' rate: 'no answer' answers / all answers;
- respondents of a topic: the people who answered it (any of the four);
  of a cell: the people who answered its topics (topics are only ever
  added to an open survey and every answer covers every topic of its
  version, so these are the respondents of the cell's most answered topic);
- response rate: respondents / the headcount in force today of the target's
  categories (and levels) in the unit's subtree;
- offer: published courses of the cell (a topic naming schemes: with one of
  them) meant for the categories read, in the respondents' language (the
  language of most of them);
- coverage: people of the target's categories and levels in the subtree who
  completed a course of the cell / headcount (as the coverage report counts).

Suppression: a figure about fewer than MIN_GROUP respondents is never given
out, not even its count: every format shows SUPPRESSED ('<5') instead. It
happens here, before any page, export or API sees a number.

A cell (and a topic) is flagged for SSCBC when its need score is at least
HIGH_NEED_SCORE (at least MIN_GROUP people answered) while the catalogue has
FEW_COURSES course or none for it in the respondents' language.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import events
from lms.enums import LANGUAGES, ORG_KINDS, ORG_LEVELS
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope
from lms.reports.models import CELL_COLUMNS, CELLS, cell_column
from lms.reports.services import children_of, report_scope
from lms.surveys import report_sql as sql
from lms.surveys.models import Survey, SurveyTopic
from lms.surveys.services import state_on, visible_condition

MIN_GROUP = 5
SUPPRESSED = "<5"
HIGH_NEED_SCORE = 60.0
FEW_COURSES = 1
WEIGHTS = {"not_needed": 0, "useful": 50, "essential": 100}

Cell = tuple[str, str]
Figure = float | int | str | None  # a number, SUPPRESSED, or None (undefined: nobody answered, no headcount)


@dataclass
class Counts:
    """Raw counts of a group; they never leave this module unsuppressed."""

    respondents: int = 0
    not_needed: int = 0
    useful: int = 0
    essential: int = 0
    no_answer: int = 0

    def add_answers(self, values) -> None:
        self.not_needed += values[0]
        self.useful += values[1]
        self.essential += values[2]
        self.no_answer += values[3]

    @property
    def answered(self) -> int:
        return self.not_needed + self.useful + self.essential

    @property
    def answers(self) -> int:
        return self.answered + self.no_answer


@dataclass(frozen=True)
class Need:
    """A group's need as every format shows it (suppressed below MIN_GROUP)."""

    respondents: int | str
    score: Figure
    essential_share: Figure
    no_answer_rate: Figure

    @property
    def suppressed(self) -> bool:
        return self.respondents == SUPPRESSED

    @property
    def high(self) -> bool:
        """A high need (never said of a suppressed group)."""
        return isinstance(self.score, float) and self.score >= HIGH_NEED_SCORE

    @classmethod
    def of(cls, counts: Counts) -> Need:
        if 0 < counts.respondents < MIN_GROUP:
            return cls(SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED)
        answered = counts.answered
        score = (sum(getattr(counts, k) * w for k, w in WEIGHTS.items()) / answered) if answered else None
        return cls(counts.respondents, score, counts.essential / answered if answered else None,
                   counts.no_answer / counts.answers if counts.answers else None)


def suppressed(respondents: int) -> bool:
    """A group of 1 to MIN_GROUP - 1 people: nothing about it is shown (a group of
    nobody has nothing to hide, and shows 0)."""
    return 0 < respondents < MIN_GROUP


def rate(numerator: int, denominator: int, respondents: int) -> Figure:
    """A share about `respondents` people (suppressed below MIN_GROUP)."""
    if suppressed(respondents):
        return SUPPRESSED
    return numerator / denominator if denominator else None


def shown_count(respondents: int) -> int | str:
    return SUPPRESSED if suppressed(respondents) else respondents


@dataclass
class CellRow:
    skill_type: str
    target_level: str
    topics: list[SurveyTopic]
    need: Need | None  # None: the survey asks nothing in this cell
    offer: int  # in the respondents' language
    offer_by_language: dict[str, int]
    trained: int
    headcount: int
    flagged: bool

    @property
    def coverage(self) -> float | None:
        return self.trained / self.headcount if self.headcount else None


@dataclass
class TopicRow:
    topic: SurveyTopic
    need: Need
    offer: int
    offer_by_language: dict[str, int]
    flagged: bool


@dataclass
class GroupRow:
    """One row of a breakdown: a category, a unit, a level or a kind."""

    key: str
    respondents: int | str
    headcount: int
    response_rate: Figure
    no_answer_rate: Figure
    cells: dict[Cell, Need]
    unit: OrgUnit | None = None
    own: bool = False
    has_children: bool = False


@dataclass
class LevelKindRow:
    level: str
    kind: str
    units: int | str
    respondents: int | str


@dataclass
class NeedsReport:
    survey: Survey
    unit: OrgUnit
    category: str | None
    categories: list[str]
    today: date
    state: str
    language: str  # the respondents' language, for the offer
    topic_cells: list[Cell]  # the cells that have topics, in matrix order
    total: GroupRow
    cells: list[CellRow]
    topics: list[TopicRow]
    by_category: list[GroupRow]
    by_unit: list[GroupRow]
    by_level: list[GroupRow]
    by_kind: list[GroupRow]
    units_answered: list[LevelKindRow]
    flagged: list[CellRow] = field(default_factory=list)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


class _Group:
    """Counts of one group: respondents, and the answers per topic."""

    def __init__(self) -> None:
        self.respondents = 0
        self.topics: dict[int, Counts] = defaultdict(Counts)
        self.headcount = 0

    def cell(self, topic_ids: list[int]) -> Counts:
        total = Counts()
        for topic_id in topic_ids:
            c = self.topics.get(topic_id)
            if c is not None:
                total.add_answers((c.not_needed, c.useful, c.essential, c.no_answer))
                total.respondents = max(total.respondents, c.answers)
        return total

    def no_answers(self) -> tuple[int, int]:
        na = sum(c.no_answer for c in self.topics.values())
        return na, sum(c.answers for c in self.topics.values())

    def row(self, key: str, cells: dict[Cell, list[int]], **extra) -> GroupRow:
        na, answers = self.no_answers()
        n = self.respondents
        cell_needs = {}
        for cell, ids in cells.items():
            cell_needs[cell] = Need.of(self.cell(ids))
        return GroupRow(key=key, respondents=shown_count(n), headcount=self.headcount,
                        response_rate=rate(n, self.headcount, n),
                        no_answer_rate=rate(na, answers, n),
                        cells=cell_needs, **extra)


def needs_report(session: Session, survey: Survey, unit: OrgUnit, *, today: date,
                 category: str | None = None) -> NeedsReport:
    """The survey's needs in `unit`'s subtree (all of the survey's categories, or `category`)."""
    dialect = _dialect(session)
    conn = session.connection()
    scope = report_scope(session, unit)
    categories = [category] if category else survey.category_names
    levels = survey.level_names
    params = {**scope.params, "survey_id": survey.id, "prefix_length": len(unit.path), "on_date": today,
              "levels": levels}
    if category:
        params["category"] = category
    else:
        params["categories"] = categories
    with_category = category is not None

    topics = list(survey.topics)
    topic_cells: dict[Cell, list[int]] = {}
    for cell in CELLS:
        ids = [t.id for t in topics if t.cell == cell]
        if ids:
            topic_cells[cell] = ids

    # The groups: each category, child unit, level, kind; everything is the sum of the categories.
    groups: dict[str, dict[str, _Group]] = {dim: defaultdict(_Group) for dim in sql.DIMENSIONS}
    languages: dict[str, int] = defaultdict(int)
    for dim, by_group in groups.items():
        for g, topic_id, *values in conn.execute(sql.need_counts(dialect, scope.kind, with_category, dim), params):
            by_group[g].topics[topic_id].add_answers([int(v or 0) for v in values])
        for g, language, n in conn.execute(sql.respondent_counts(dialect, scope.kind, with_category, dim), params):
            by_group[g].respondents += int(n or 0)
            if dim == "category":
                languages[language] += int(n or 0)
        for g, n in conn.execute(sql.headcounts(dialect, scope.kind, with_category, bool(levels), dim), params):
            by_group[g].headcount += int(n or 0)
    total = _Group()
    for g in groups["category"].values():
        total.respondents += g.respondents
        total.headcount += g.headcount
        for topic_id, counts in g.topics.items():
            total.topics[topic_id].add_answers((counts.not_needed, counts.useful, counts.essential, counts.no_answer))
    trained: dict[str, int] = dict.fromkeys(CELL_COLUMNS, 0)
    for _cat, *values in conn.execute(sql.trained(dialect, scope.kind, with_category, bool(levels)), params):
        for col, v in zip(CELL_COLUMNS, values, strict=True):
            trained[col] += int(v or 0)

    language = max(LANGUAGES, key=lambda lang: (languages.get(lang, 0), lang == "zh_CN"))
    offer_params = {"categories": categories, "survey_id": survey.id}
    cell_offer: dict[Cell, dict[str, int]] = defaultdict(dict)
    for s, t, lang, n in session.execute(sql.offer_per_cell(), offer_params):
        cell_offer[(s, t)][lang] = int(n)
    topic_offer: dict[int, dict[str, int]] = defaultdict(dict)
    for topic_id, lang, n in session.execute(sql.offer_per_topic(), offer_params):
        topic_offer[topic_id][lang] = int(n)

    cells = []
    for s, t in CELLS:
        ids = topic_cells.get((s, t), [])
        need = Need.of(total.cell(ids)) if ids else None
        offer = cell_offer[(s, t)].get(language, 0)
        flagged = need is not None and need.high and offer <= FEW_COURSES
        cells.append(CellRow(s, t, [tp for tp in topics if tp.id in ids], need, offer, dict(cell_offer[(s, t)]),
                             trained[cell_column(s, t)], total.headcount, flagged))
    topic_rows = []
    for tp in topics:
        counts = total.topics.get(tp.id, Counts())
        counts.respondents = counts.answers
        need, offer = Need.of(counts), topic_offer[tp.id].get(language, 0)
        topic_rows.append(TopicRow(tp, need, offer, dict(topic_offer[tp.id]), need.high and offer <= FEW_COURSES))

    by_category = [groups["category"][c].row(c, topic_cells) for c in categories]
    own = groups["child"].get(unit.path, _Group())
    by_unit = [own.row(unit.code, topic_cells, unit=unit, own=True)]
    by_unit += [groups["child"].get(child.path, _Group()).row(child.code, topic_cells, unit=child, has_children=has)
                for child, has in children_of(session, unit)]
    by_level = [groups["level"][v].row(v, topic_cells) for v in ORG_LEVELS if v in groups["level"]]
    by_kind = [groups["kind"][v].row(v, topic_cells) for v in ORG_KINDS if v in groups["kind"]]
    answered = [LevelKindRow(level, kind, SUPPRESSED if suppressed(respondents) else units, shown_count(respondents))
                for level, kind, units, respondents in (
                    (lv, kd, int(u or 0), int(n or 0))
                    for lv, kd, u, n in conn.execute(sql.units_answered(dialect, scope.kind, with_category), params))]
    answered.sort(key=lambda r: (ORG_LEVELS.index(r.level), ORG_KINDS.index(r.kind)))
    return NeedsReport(
        survey=survey, unit=unit, category=category, categories=categories, today=today,
        state=state_on(survey, today), language=language, topic_cells=list(topic_cells),
        total=total.row("total", topic_cells), cells=cells, topics=topic_rows, by_category=by_category,
        by_unit=by_unit, by_level=by_level, by_kind=by_kind, units_answered=answered,
        flagged=[c for c in cells if c.flagged])


# ---- the need per cell for another page (the assignment form) ----------------------------

@dataclass
class UnitNeeds:
    survey: Survey
    unit: OrgUnit
    respondents: int | str
    cells: dict[Cell, Need]


def latest_survey_for(session: Session, unit: OrgUnit) -> Survey | None:
    """The survey opened last whose target holds the unit or lies within it."""
    return session.scalar(select(Survey).join(OrgUnit, OrgUnit.id == Survey.root_unit_id)
                          .where(Survey.status != "draft", visible_condition(Scope(path=unit.path, unit_id=unit.id)))
                          .order_by(Survey.opened_at.desc(), Survey.id.desc()).limit(1))


def unit_needs(session: Session, *, unit: OrgUnit, today: date) -> UnitNeeds | None:
    """The need per cell in the unit's subtree, from the latest survey that
    asked it (None: no survey has). Suppressed below MIN_GROUP like the report."""
    survey = latest_survey_for(session, unit)
    if survey is None:
        return None
    report = needs_report(session, survey, unit, today=today)
    return UnitNeeds(survey, unit, report.total.respondents, {(c.skill_type, c.target_level): c.need
                                                               for c in report.cells if c.need is not None})


events.training_needs.connect(unit_needs)

__all__ = ["FEW_COURSES", "HIGH_NEED_SCORE", "MIN_GROUP", "SUPPRESSED", "CellRow", "GroupRow", "LevelKindRow", "Need", "NeedsReport", "TopicRow", "UnitNeeds",
           "needs_report", "unit_needs"]
