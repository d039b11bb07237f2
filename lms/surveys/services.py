"""Training-needs surveys: building, the draft -> open -> closed workflow with
its versions, who may answer, answering, and the counters of the needs report.
No flask: callers pass the session, the user id and `now` (or `today`).

Rules:
- A draft can be changed in every way. Opening it makes version 1: the
  whole content is kept as it was (SurveyVersion), and from then on a change
  is a new version, kept the same way, never a silent edit. An open survey
  may change its wording (title, description, topic titles and
  descriptions), its dates, and gain topics; its target, the topics' cells,
  schemes and keys, and the list of topics otherwise are fixed, so every
  answer keeps the meaning it was given.
- People answer while the survey is open and today lies between its dates
  (both included). A person in the target (active, placed in the subtree, in
  one of its staff categories and, if it names levels, in a unit of one of
  them) answers once and may change the answers until it closes. The answers
  are tied to the unit, category and language the person has at that moment.
- The counters (survey_need_counts, survey_respondent_counts) change in the
  same transaction as the answers. Answers to one survey are recorded one
  transaction at a time (the survey's row is locked), so that a paper import
  that rebuilds the counters never races a learner's answer.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, delete, func, insert, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.courses.models import Course, CourseAudience, CourseScheme
from lms.courses.services import WITH_TAGS
from lms.db import must_get, table_of
from lms.enums import ORG_LEVELS, SCHEMES, SKILL_TYPES, STAFF_CATEGORIES, TARGET_LEVELS
from lms.learn.models import Enrolment
from lms.msgids import N_
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope, path_startswith
from lms.surveys.models import (
    NEED_CODES,
    NEEDS,
    NO_ANSWER,
    Survey,
    SurveyAnswer,
    SurveyCategory,
    SurveyEvent,
    SurveyLevel,
    SurveyResponse,
    SurveyTopic,
    SurveyTopicScheme,
    SurveyVersion,
    survey_need_counts,
    survey_respondent_counts,
)
from lms.zones import local_date

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,39}$")
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_COMMENT = 1000
MAX_TOPICS = 60


class SurveyError(ValueError):
    """A refused change or answer; the message is a translatable msgid."""


class NotInTarget(SurveyError):
    """The person is not among the people the survey asks."""


class NotAccepting(SurveyError):
    """The survey is not open for answers today."""


# ---- state -----------------------------------------------------------------------

def state_on(survey: Survey, today: date) -> str:
    """draft, scheduled (open, before its first day), open, or closed (closed
    by hand, or after its last day)."""
    if survey.status == "draft":
        return "draft"
    if survey.status == "closed" or today > survey.closes_on:
        return "closed"
    if today < survey.opens_on:
        return "scheduled"
    return "open"


def accepting(survey: Survey, today: date) -> bool:
    return state_on(survey, today) == "open"


# ---- building ----------------------------------------------------------------------

@dataclass
class SurveyFields:
    title: str
    description: str
    opens_on: date
    closes_on: date
    root_unit_id: int
    categories: list[str]
    levels: list[str] = field(default_factory=list)  # empty: every level


@dataclass
class TopicFields:
    key: str
    title: str
    skill_type: str
    target_level: str
    description: str = ""
    schemes: list[str] = field(default_factory=list)
    comment_allowed: bool = False


def _check_fields(session: Session, fields: SurveyFields) -> None:
    if not fields.title.strip():
        raise SurveyError(N_("A title is required."))
    if len(fields.title.strip()) > MAX_TITLE:
        raise SurveyError(N_("The title is longer than 200 characters."))
    if len(fields.description) > MAX_DESCRIPTION:
        raise SurveyError(N_("The description is longer than 5,000 characters."))
    if fields.closes_on < fields.opens_on:
        raise SurveyError(N_("The survey cannot close before it opens."))
    if not fields.categories:
        raise SurveyError(N_("Choose at least one staff category."))
    if any(c not in STAFF_CATEGORIES for c in fields.categories):
        raise SurveyError(N_("Unknown staff category."))
    if any(v not in ORG_LEVELS for v in fields.levels):
        raise SurveyError(N_("Unknown level."))
    if session.get(OrgUnit, fields.root_unit_id) is None:
        raise SurveyError(N_("Unknown org unit."))


def _check_topic(fields: TopicFields) -> None:
    if not KEY_RE.match(fields.key or ""):
        raise SurveyError(N_("A topic key is 1 to 40 small letters, digits or '_', starting with a letter or digit."))
    if not fields.title.strip():
        raise SurveyError(N_("A title is required."))
    if len(fields.title.strip()) > MAX_TITLE:
        raise SurveyError(N_("The title is longer than 200 characters."))
    if len(fields.description) > MAX_DESCRIPTION:
        raise SurveyError(N_("The description is longer than 5,000 characters."))
    if fields.skill_type not in SKILL_TYPES or fields.target_level not in TARGET_LEVELS:
        raise SurveyError(N_("Choose a skill type and a target level."))
    if any(s not in SCHEMES for s in fields.schemes):
        raise SurveyError(N_("Unknown scheme."))


def _event(session: Session, survey: Survey, action: str, user_id: int | None, now: datetime, detail: str = "") -> None:
    session.add(SurveyEvent(survey_id=survey.id, at=now, user_id=user_id, action=action, version=survey.version,
                            detail=detail[:2000]))


def create_survey(session: Session, fields: SurveyFields, *, user_id: int | None, now: datetime) -> Survey:
    _check_fields(session, fields)
    survey = Survey(title=fields.title.strip(), description=fields.description.strip(), status="draft",
                    opens_on=fields.opens_on, closes_on=fields.closes_on, root_unit_id=fields.root_unit_id,
                    version=0, created_by_id=user_id, created_at=now, updated_at=now,
                    categories=[SurveyCategory(staff_category=c) for c in sorted(set(fields.categories))],
                    levels=[SurveyLevel(level=v) for v in sorted(set(fields.levels))])
    session.add(survey)
    session.flush()
    _event(session, survey, "created", user_id, now)
    session.flush()
    return survey


def _target(survey: Survey) -> tuple[int, list[str], list[str]]:
    return survey.root_unit_id, survey.category_names, survey.level_names


def update_survey(session: Session, survey: Survey, fields: SurveyFields, *, user_id: int | None,
                  now: datetime) -> bool:
    """Change the survey's own fields; True if anything changed. Once opened,
    the target is fixed and a change makes a new version."""
    _check_fields(session, fields)
    if survey.status == "closed":
        raise SurveyError(N_("A closed survey cannot change."))
    new_target = (fields.root_unit_id, [c for c in STAFF_CATEGORIES if c in fields.categories],
                  [v for v in ORG_LEVELS if v in fields.levels])
    changes = []
    if survey.title != fields.title.strip():
        changes.append("title")
    if survey.description != fields.description.strip():
        changes.append("description")
    if (survey.opens_on, survey.closes_on) != (fields.opens_on, fields.closes_on):
        changes.append("dates")
    if _target(survey) != new_target:
        if survey.status != "draft":
            raise SurveyError(N_("The target of an open survey cannot change: people have answered for it."))
        changes.append("target")
    if survey.status == "open" and "dates" in changes:
        today = local_date(now)
        if fields.opens_on != survey.opens_on and survey.opens_on <= today:
            raise SurveyError(N_("The survey has already opened: its first day cannot change."))
        if fields.closes_on < today:
            raise SurveyError(N_("The last day cannot be in the past; close the survey instead."))
    if not changes:
        return False
    survey.title, survey.description = fields.title.strip(), fields.description.strip()
    survey.opens_on, survey.closes_on = fields.opens_on, fields.closes_on
    if "target" in changes:
        survey.root_unit_id = fields.root_unit_id
        survey.categories = [SurveyCategory(staff_category=c) for c in new_target[1]]
        survey.levels = [SurveyLevel(level=v) for v in new_target[2]]
    survey.updated_at = now
    session.flush()
    if survey.status == "open":
        _new_version(session, survey, "changed: " + ", ".join(changes), user_id, now)
    else:
        _event(session, survey, "edited", user_id, now, ", ".join(changes))
    session.flush()
    return True


def add_topic(session: Session, survey: Survey, fields: TopicFields, *, user_id: int | None, now: datetime) -> SurveyTopic:
    """A new topic at the end. On an open survey it comes with a new version."""
    _check_topic(fields)
    if survey.status == "closed":
        raise SurveyError(N_("A closed survey cannot change."))
    if len(survey.topics) >= MAX_TOPICS:
        raise SurveyError(N_("A survey has at most 60 topics."))
    if any(t.key == fields.key for t in survey.topics):
        raise SurveyError(N_("Another topic of this survey has this key."))
    topic = SurveyTopic(survey_id=survey.id, position=len(survey.topics) + 1, key=fields.key, title=fields.title.strip(),
                        description=fields.description.strip(), skill_type=fields.skill_type,
                        target_level=fields.target_level, comment_allowed=fields.comment_allowed,
                        added_in_version=survey.version + 1 if survey.status == "open" else 0,
                        schemes=[SurveyTopicScheme(scheme=s) for s in sorted(set(fields.schemes))])
    survey.topics.append(topic)
    survey.updated_at = now
    session.flush()
    if survey.status == "open":
        _new_version(session, survey, f"topic added: {topic.key}", user_id, now)
    else:
        _event(session, survey, "edited", user_id, now, f"topic added: {topic.key}")
    session.flush()
    return topic


def update_topic(session: Session, topic: SurveyTopic, fields: TopicFields, *, user_id: int | None,
                 now: datetime) -> bool:
    """Change a topic; on an open survey only its wording (a new version)."""
    _check_topic(fields)
    survey = topic.survey
    if survey.status == "closed":
        raise SurveyError(N_("A closed survey cannot change."))
    if fields.key != topic.key and any(t.key == fields.key for t in survey.topics):
        raise SurveyError(N_("Another topic of this survey has this key."))
    meaning = (fields.key, fields.skill_type, fields.target_level, sorted(set(fields.schemes)), fields.comment_allowed)
    if meaning != (topic.key, topic.skill_type, topic.target_level, topic.scheme_names, topic.comment_allowed) \
            and survey.status != "draft":
        raise SurveyError(N_("Once the survey is open, a topic keeps its key, cell, schemes and comment box; "
                             "only its wording can change. Add a new topic instead."))
    wording = (fields.title.strip(), fields.description.strip())
    if wording == (topic.title, topic.description) and meaning == (
            topic.key, topic.skill_type, topic.target_level, topic.scheme_names, topic.comment_allowed):
        return False
    topic.title, topic.description = wording
    topic.key, topic.skill_type, topic.target_level, topic.comment_allowed = (
        fields.key, fields.skill_type, fields.target_level, fields.comment_allowed)
    if sorted(set(fields.schemes)) != topic.scheme_names:
        topic.schemes = [SurveyTopicScheme(scheme=s) for s in sorted(set(fields.schemes))]
    survey.updated_at = now
    session.flush()
    if survey.status == "open":
        _new_version(session, survey, f"topic reworded: {topic.key}", user_id, now)
    else:
        _event(session, survey, "edited", user_id, now, f"topic changed: {topic.key}")
    session.flush()
    return True


def _require_draft(survey: Survey) -> None:
    if survey.status != "draft":
        raise SurveyError(N_("Only a draft survey can lose or reorder topics."))


def delete_topic(session: Session, topic: SurveyTopic, *, user_id: int | None, now: datetime) -> None:
    survey = topic.survey
    _require_draft(survey)
    key = topic.key
    survey.topics.remove(topic)
    for position, t in enumerate(survey.topics, start=1):
        t.position = position
    survey.updated_at = now
    session.flush()
    _event(session, survey, "edited", user_id, now, f"topic removed: {key}")
    session.flush()


def move_topic(session: Session, topic: SurveyTopic, *, up: bool, user_id: int | None, now: datetime) -> bool:
    survey = topic.survey
    _require_draft(survey)
    topics = list(survey.topics)
    i = topics.index(topic)
    j = i - 1 if up else i + 1
    if not 0 <= j < len(topics):
        return False
    topics[i].position, topics[j].position = topics[j].position, topics[i].position
    survey.updated_at = now
    session.flush()
    session.expire(survey, ["topics"])
    return True


def snapshot(survey: Survey) -> dict:
    """Everything the survey asks, as stored with each version."""
    return {
        "title": survey.title, "description": survey.description,
        "opens_on": survey.opens_on.isoformat(), "closes_on": survey.closes_on.isoformat(),
        "root_unit_id": survey.root_unit_id, "categories": survey.category_names, "levels": survey.level_names,
        "topics": [{"key": t.key, "title": t.title, "description": t.description, "skill_type": t.skill_type,
                    "target_level": t.target_level, "schemes": t.scheme_names, "comment_allowed": t.comment_allowed,
                    "added_in_version": t.added_in_version} for t in survey.topics],
    }


def _new_version(session: Session, survey: Survey, summary: str, user_id: int | None, now: datetime) -> SurveyVersion:
    survey.version += 1
    for topic in survey.topics:
        if topic.added_in_version == 0:
            topic.added_in_version = survey.version
    session.flush()
    version = SurveyVersion(survey_id=survey.id, number=survey.version, created_at=now, created_by_id=user_id,
                            summary=summary, content=json.dumps(snapshot(survey), ensure_ascii=False, sort_keys=True))
    session.add(version)
    _event(session, survey, "opened" if survey.version == 1 else "revised", user_id, now, summary)
    return version


def open_survey(session: Session, survey: Survey, *, user_id: int | None, now: datetime) -> SurveyVersion:
    """draft -> open: version 1 is kept as it is."""
    if survey.status != "draft":
        raise SurveyError(N_("Only a draft survey can be opened."))
    if not survey.topics:
        raise SurveyError(N_("Add at least one topic before opening the survey."))
    if not survey.categories:
        raise SurveyError(N_("Choose at least one staff category."))
    if survey.closes_on < local_date(now):
        raise SurveyError(N_("The last day cannot be in the past; close the survey instead."))
    survey.status = "open"
    survey.opened_at = survey.updated_at = now
    version = _new_version(session, survey, "opened", user_id, now)
    session.flush()
    return version


def close_survey(session: Session, survey: Survey, *, user_id: int | None, now: datetime) -> None:
    """open -> closed, now (answers are no longer taken or changed)."""
    if survey.status != "open":
        raise SurveyError(N_("Only an open survey can be closed."))
    survey.status = "closed"
    survey.closed_at = survey.updated_at = now
    session.flush()
    _event(session, survey, "closed", user_id, now)
    session.flush()


def record_import(session: Session, survey: Survey, detail: str, *, user_id: int | None, now: datetime) -> None:
    """Paper questionnaires were imported (in the survey's history)."""
    _event(session, survey, "imported", user_id, now, detail)
    session.flush()


def versions(session: Session, survey_id: int) -> list[SurveyVersion]:
    return list(session.scalars(select(SurveyVersion).where(SurveyVersion.survey_id == survey_id)
                                .order_by(SurveyVersion.number.desc())))


def history(session: Session, survey_id: int, limit: int = 200) -> list[SurveyEvent]:
    return list(session.scalars(select(SurveyEvent).where(SurveyEvent.survey_id == survey_id)
                                .order_by(SurveyEvent.at.desc(), SurveyEvent.id.desc()).limit(limit)))


# ---- who sees which survey -----------------------------------------------------------

def overlaps(scope: Scope, path: str) -> bool:
    """The subtree at `path` and the reader's scope meet (one holds the other):
    a manager reads the surveys of their subtree, and those above it (within
    their own subtree), and builds only the first (Scope.contains_path)."""
    if scope.everything:
        return True
    return scope.path is not None and (path.startswith(scope.path) or scope.path.startswith(path))


def visible_condition(scope: Scope):
    """Surveys a manager may read: those of their subtree, and those above it
    (a national survey: its needs within their own subtree)."""
    if scope.everything:
        return literal(True)
    if scope.path is None:
        return literal(False)
    unit = OrgUnit
    return path_startswith(unit.path, scope.path) | literal(scope.path).startswith(unit.path)


def report_unit(session: Session, root: OrgUnit, scope: Scope, unit_id: int | None) -> OrgUnit | None:
    """The unit a needs report is read for: the one asked (None when it is
    outside the reader's scope or apart from the survey's subtree), by
    default the top of what both the survey and the reader cover."""
    if unit_id is None:
        if scope.everything or (scope.path is not None and root.path.startswith(scope.path)):
            return root
        return session.get(OrgUnit, scope.unit_id) if scope.unit_id is not None else None
    unit = session.get(OrgUnit, unit_id)
    if unit is None or not scope.contains_path(unit.path) or not overlaps(Scope(path=root.path), unit.path):
        return None
    return unit


def surveys_in_scope(session: Session, scope: Scope) -> list[tuple[Survey, OrgUnit, int]]:
    """(survey, its root unit, respondents) for the surveys the manager may read, newest first."""
    respondents = select(func.count()).select_from(SurveyResponse) \
        .where(SurveyResponse.survey_id == Survey.id).scalar_subquery()
    stmt = select(Survey, OrgUnit, respondents).join(OrgUnit, OrgUnit.id == Survey.root_unit_id) \
        .where(visible_condition(scope)).order_by(Survey.created_at.desc(), Survey.id.desc())
    return [(s, u, int(n or 0)) for s, u, n in session.execute(stmt)]


def unit_targeted(survey: Survey, root_path: str, unit: OrgUnit) -> bool:
    """The unit lies in the survey's subtree (and is of a targeted level, if it names levels)."""
    levels = survey.level_names
    return unit.path.startswith(root_path) and (not levels or unit.level in levels)


def unit_in_target(survey: Survey, root_path: str, unit: OrgUnit, staff_category: str) -> bool:
    return unit_targeted(survey, root_path, unit) and staff_category in survey.category_names


def in_target(session: Session, survey: Survey, user: User) -> bool:
    """An active person placed in the survey's subtree, of a targeted category (and level of unit)."""
    if user.status != "active" or user.org_unit_id is None:
        return False
    unit = session.get(OrgUnit, user.org_unit_id)
    root = must_get(session, OrgUnit, survey.root_unit_id)
    return unit is not None and unit_in_target(survey, root.path, unit, user.staff_category)


@dataclass
class LearnerSurvey:
    survey: Survey
    state: str
    response: SurveyResponse | None


def surveys_for_learner(session: Session, user: User, today: date) -> list[LearnerSurvey]:
    """The surveys the person is asked now (open today, in their target), with
    their response if they answered."""
    if user.status != "active" or user.org_unit_id is None:
        return []
    unit = session.get(OrgUnit, user.org_unit_id)
    if unit is None:
        return []
    ancestors = [int(p) for p in unit.path.strip("/").split("/") if p]
    candidates = session.execute(
        select(Survey, OrgUnit.path).join(OrgUnit, OrgUnit.id == Survey.root_unit_id)
        .where(Survey.status == "open", Survey.opens_on <= today, Survey.closes_on >= today,
               Survey.root_unit_id.in_(ancestors),
               Survey.categories.any(SurveyCategory.staff_category == user.staff_category))
        .order_by(Survey.closes_on, Survey.id)).all()
    found = [s for s, root_path in candidates if unit_in_target(s, root_path, unit, user.staff_category)]
    if not found:
        return []
    responses = {r.survey_id: r for r in session.scalars(
        select(SurveyResponse).where(SurveyResponse.user_id == user.id,
                                     SurveyResponse.survey_id.in_([s.id for s in found])))}
    return [LearnerSurvey(s, "open", responses.get(s.id)) for s in found]


# ---- answering -----------------------------------------------------------------------

def response_counts(session: Session, survey_id: int) -> tuple[int, int]:
    """(answered online, paper questionnaires)."""
    online = func.count(SurveyResponse.user_id)
    return tuple(session.execute(select(online, func.count() - online).where(SurveyResponse.survey_id == survey_id)).one())


def response_of(session: Session, survey_id: int, user_id: int) -> SurveyResponse | None:
    return session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey_id,
                                                       SurveyResponse.user_id == user_id))


def lock_survey(session: Session, survey_id: int) -> Survey:
    """The survey, its row locked until the end of the transaction (PostgreSQL;
    SQLite's write transactions are already one at a time)."""
    session.flush()
    survey = session.scalar(select(Survey).where(Survey.id == survey_id).with_for_update()
                            .execution_options(populate_existing=True))
    if survey is None:
        raise LookupError(f"survey {survey_id} does not exist")
    return survey


Answers = Mapping[int, tuple[int, str | None]]  # topic id -> (need code, comment)


def check_answers(survey: Survey, answers: Answers) -> dict[int, tuple[int, str | None]]:
    """Every topic of the survey with its answer (no answer where none is given)."""
    topics = {t.id: t for t in survey.topics}
    unknown = set(answers) - set(topics)
    if unknown:
        raise SurveyError(N_("The answers name a topic this survey does not have."))
    checked: dict[int, tuple[int, str | None]] = {}
    for topic_id, topic in topics.items():
        need, comment = answers.get(topic_id, (NO_ANSWER, None))
        if need not in NEED_CODES.values():
            raise SurveyError(N_("Unknown answer."))
        comment = (comment or "").strip() or None
        if comment is not None and not topic.comment_allowed:
            raise SurveyError(N_("This topic takes no comment."))
        if comment is not None and len(comment) > MAX_COMMENT:
            raise SurveyError(N_("A comment is at most 1,000 characters."))
        checked[topic_id] = (need, comment)
    return checked


def answer(session: Session, *, survey_id: int, user_id: int, answers: Answers, now: datetime,
           ) -> tuple[SurveyResponse, bool]:
    """Record (or change) the person's answers; returns the response and
    whether it is new. Refused outside the target or when the survey is not
    open today."""
    survey = lock_survey(session, survey_id)
    if not accepting(survey, local_date(now)):
        raise NotAccepting(N_("This survey is not open for answers."))
    user = must_get(session, User, user_id)
    unit_id = user.org_unit_id
    if unit_id is None or not in_target(session, survey, user):
        raise NotInTarget(N_("This survey is not meant for you."))
    checked = check_answers(survey, answers)
    response = response_of(session, survey.id, user.id)
    created = response is None
    if response is None:
        response = SurveyResponse(survey_id=survey.id, user_id=user.id, org_unit_id=unit_id,
                                  staff_category=user.staff_category, language=user.language, version=survey.version,
                                  created_at=now, updated_at=now)
        session.add(response)
        session.flush()
    else:
        _count(session, survey.id, response.org_unit_id, response.staff_category, response.language,
               _needs_of(session, response.id), sign=-1)
        session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
        response.org_unit_id, response.staff_category, response.language = (
            unit_id, user.staff_category, user.language)
        response.version, response.updated_at = survey.version, now
    session.execute(insert(SurveyAnswer), [{"response_id": response.id, "topic_id": t, "need": n, "comment": c}
                                           for t, (n, c) in checked.items()])
    _count(session, survey.id, response.org_unit_id, response.staff_category, response.language,
           {t: n for t, (n, _c) in checked.items()}, sign=1)
    session.flush()
    session.expire(response, ["answers"])
    return response, created


def _needs_of(session: Session, response_id: int) -> dict[int, int]:
    return {topic_id: need for topic_id, need in session.execute(
        select(SurveyAnswer.topic_id, SurveyAnswer.need).where(SurveyAnswer.response_id == response_id))}


# ---- counters ------------------------------------------------------------------------

def _insert(session: Session, table):
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


def _add(session: Session, table, key: dict, delta: dict) -> None:
    zeros = {c.name: 0 for c in table.c if c.name not in key}
    stmt = _insert(session, table).values(**key, **{**zeros, **delta})
    stmt = stmt.on_conflict_do_update(index_elements=list(key), set_={c: table.c[c] + stmt.excluded[c] for c in delta})
    session.execute(stmt)


def _count(session: Session, survey_id: int, unit_id: int, category: str, language: str,
           needs: Mapping[int, int], *, sign: int) -> None:
    """Add (sign 1) or take away (sign -1) one respondent and their answers."""
    _add(session, survey_respondent_counts,
         {"survey_id": survey_id, "org_unit_id": unit_id, "staff_category": category, "language": language},
         {"respondents": sign})
    for topic_id in sorted(needs):  # one order for every transaction: no deadlock between them
        _add(session, survey_need_counts,
             {"survey_id": survey_id, "org_unit_id": unit_id, "staff_category": category, "topic_id": topic_id},
             {NEEDS[needs[topic_id]]: sign})


def rebuild_counters(session: Session, survey_id: int) -> None:
    """The survey's counters again from its answers (after an import, or to repair)."""
    session.flush()
    n, r = survey_need_counts, survey_respondent_counts
    a, resp = table_of(SurveyAnswer), table_of(SurveyResponse)
    session.execute(delete(n).where(n.c.survey_id == survey_id))
    session.execute(delete(r).where(r.c.survey_id == survey_id))
    session.execute(insert(r).from_select(
        ["survey_id", "org_unit_id", "staff_category", "language", "respondents"],
        select(resp.c.survey_id, resp.c.org_unit_id, resp.c.staff_category, resp.c.language, func.count())
        .where(resp.c.survey_id == survey_id)
        .group_by(resp.c.survey_id, resp.c.org_unit_id, resp.c.staff_category, resp.c.language)))
    session.execute(insert(n).from_select(
        ["survey_id", "org_unit_id", "staff_category", "topic_id", *NEEDS],
        select(resp.c.survey_id, resp.c.org_unit_id, resp.c.staff_category, a.c.topic_id,
               *[func.sum(case((a.c.need == code, 1), else_=0)) for code in range(len(NEEDS))])
        .join(a, a.c.response_id == resp.c.id).where(resp.c.survey_id == survey_id)
        .group_by(resp.c.survey_id, resp.c.org_unit_id, resp.c.staff_category, a.c.topic_id)))


def rebuild_all_counters(session: Session) -> int:
    ids = list(session.scalars(select(Survey.id)))
    for survey_id in ids:
        rebuild_counters(session, survey_id)
    return len(ids)


# ---- using the answers: suggestions for the learner --------------------------------------

@dataclass
class Suggestion:
    course: Course
    topics: list[str]  # titles of the topics rated essential that the course serves


def essential_topics(session: Session, user_id: int) -> list[SurveyTopic]:
    """The topics the person rated essential in their latest answers."""
    latest = select(SurveyResponse.id).where(SurveyResponse.user_id == user_id) \
        .order_by(SurveyResponse.updated_at.desc(), SurveyResponse.id.desc()).limit(1).scalar_subquery()
    return list(session.scalars(
        select(SurveyTopic).join(SurveyAnswer, SurveyAnswer.topic_id == SurveyTopic.id)
        .where(SurveyAnswer.response_id == latest, SurveyAnswer.need == NEED_CODES["essential"])
        .order_by(SurveyTopic.position)))


def suggested_courses(session: Session, user: User, *, limit: int = 6) -> list[Suggestion]:
    """Published courses, in the person's language and meant for their
    category, in the cells of the topics they rated essential (with one of
    the topic's schemes when it names any), that they have not taken."""
    topics = essential_topics(session, user.id)
    if not topics:
        return []
    enrolled = select(Enrolment.course_id).where(Enrolment.user_id == user.id)
    for_category = Course.audiences.any(CourseAudience.staff_category == user.staff_category) | ~Course.audiences.any()
    cells = {t.cell for t in topics}
    stmt = (select(Course).where(Course.status == "published", Course.language == user.language, for_category,
                                 Course.id.not_in(enrolled),
                                 or_(*(and_(Course.skill_type == s, Course.target_level == t) for s, t in sorted(cells))))
            .order_by(Course.target_level, Course.code).options(*WITH_TAGS))
    out: list[Suggestion] = []
    for course in session.scalars(stmt):
        serves = [t.title for t in topics if t.cell == (course.skill_type, course.target_level)
                  and (not t.scheme_names or set(t.scheme_names) & set(course.scheme_names))]
        if serves:
            out.append(Suggestion(course, serves))
        if len(out) >= limit:
            break
    return out


def offer_condition(skill_type: str, target_level: str, schemes: Iterable[str]):
    """Published courses of a cell (with one of `schemes`, if any)."""
    cond = (Course.status == "published") & (Course.skill_type == skill_type) & (Course.target_level == target_level)
    schemes = list(schemes)
    if schemes:
        cond = cond & Course.schemes.any(CourseScheme.scheme.in_(schemes))
    return cond
