"""`flask lms generate-survey-load`: a national training-needs survey with many
responses, for the needs report's benchmark (bench/surveys.py). Run it after
`lms generate-load` (the learners answer); deterministic with its seed.

The survey asks the whole tree, every category, the demo survey's eleven
topics (lms.surveys.demo). Active learners answer online, in their unit,
category and language, each topic drawn from weights that depend on their
category; if there are fewer learners than responses wanted, the rest are
paper questionnaires spread over the units. Rows are written in bulk
(executemany on SQLite, COPY on PostgreSQL), then the counters are rebuilt.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.db import table_of
from lms.dbutil import bulk_insert
from lms.orgs.models import OrgUnit
from lms.surveys import services
from lms.surveys.demo import TOPICS
from lms.surveys.models import NEEDS, Survey, SurveyAnswer, SurveyResponse
from lms.surveys.services import SurveyFields
from lms.zones import local_date

TITLE = "培训需求调查（负载测试）"
CHUNK = 50_000
# Weights of (not needed, useful, essential, no answer) per category.
WEIGHTS = {"manager": (0.1, 0.35, 0.45, 0.1), "professional": (0.2, 0.45, 0.25, 0.1), "staff": (0.15, 0.4, 0.35, 0.1),
           "correspondent": (0.2, 0.4, 0.2, 0.2)}


class SurveyLoadError(Exception):
    pass


@dataclass
class SurveyLoadResult:
    survey_id: int
    responses: int
    online: int
    answers: int
    seconds: float


def generate_survey_load(session: Session, *, responses: int = 200_000, seed: int = 2026,
                         now: datetime | None = None) -> SurveyLoadResult:
    started = time.perf_counter()
    now = now or datetime(2026, 11, 15, 12, 0, 0)
    if session.scalar(select(Survey.id).where(Survey.title == TITLE)) is not None:
        raise SurveyLoadError("the load survey is already there; use a fresh database")
    root = session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1))
    if root is None:
        raise SurveyLoadError("no org unit: run `lms generate-load` first")
    survey = services.create_survey(session, SurveyFields(
        title=TITLE, description="", opens_on=local_date(now) - timedelta(days=30), closes_on=local_date(now) + timedelta(days=30),
        root_unit_id=root.id, categories=["manager", "professional", "staff", "correspondent"]), user_id=None, now=now)
    for fields in TOPICS:
        services.add_topic(session, survey, fields, user_id=None, now=now)
    services.open_survey(session, survey, user_id=None, now=now)
    topic_ids = [t.id for t in survey.topics]

    rng = random.Random(seed)  # nosec B311 - a reproducible synthetic data set, nothing secret
    learners = session.execute(select(User.id, User.org_unit_id, User.staff_category, User.language)
                               .where(User.status == "active", User.org_unit_id.is_not(None))
                               .order_by(User.id).limit(responses)).all()
    units = session.execute(select(OrgUnit.id, OrgUnit.level).order_by(OrgUnit.id)).all()
    first_id = (session.scalar(select(func.max(SurveyResponse.id))) or 0) + 1
    r_cols = ["id", "survey_id", "user_id", "paper_ref", "org_unit_id", "staff_category", "language", "version",
              "created_at", "updated_at"]
    a_cols = ["response_id", "topic_id", "need"]
    r_rows: list[tuple] = []
    a_rows: list[tuple] = []
    needs = range(len(NEEDS))
    n_answers = 0
    for i in range(responses):
        rid = first_id + i
        if i < len(learners):
            uid, unit_id, category, language = learners[i]
            ref = None
        else:
            unit_id, level = units[rng.randrange(len(units))]
            category = "correspondent" if level == "workplace" else rng.choice(("manager", "professional", "staff"))
            uid, ref, language = None, f"LOAD-{i:07d}", "zh_CN"
        moment = now - timedelta(minutes=rng.randrange(30 * 24 * 60))
        r_rows.append((rid, survey.id, uid, ref, unit_id, category, language, 1, moment, moment))
        weights = WEIGHTS[category]
        for topic_id in topic_ids:
            a_rows.append((rid, topic_id, rng.choices(needs, weights=weights)[0]))
        if len(a_rows) >= CHUNK:
            bulk_insert(session, table_of(SurveyResponse), r_cols, r_rows)
            bulk_insert(session, table_of(SurveyAnswer), a_cols, a_rows)
            n_answers += len(a_rows)
            r_rows, a_rows = [], []
    bulk_insert(session, table_of(SurveyResponse), r_cols, r_rows)
    bulk_insert(session, table_of(SurveyAnswer), a_cols, a_rows)
    n_answers += len(a_rows)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence('survey_responses', 'id'), "
                             "(SELECT COALESCE(MAX(id), 1) FROM survey_responses))"))
    services.rebuild_counters(session, survey.id)
    return SurveyLoadResult(survey.id, responses, min(responses, len(learners)), n_answers,
                            time.perf_counter() - started)
