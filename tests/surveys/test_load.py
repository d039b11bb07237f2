"""The benchmark's load generator (bench/surveys.py) on a small scale: the
responses it writes are those the report counts."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.auth.models import User
from lms.orgs.models import OrgUnit
from lms.reports.load import generate_load
from lms.surveys import needs
from lms.surveys.load import generate_survey_load
from lms.surveys.models import Survey, SurveyAnswer, survey_respondent_counts
from tests.builders import NOW


def test_generate_survey_load(build, query):
    build(lambda s: generate_load(s, learners=60, units=25, completions=40, seed=3, now=NOW))
    result = build(lambda s: generate_survey_load(s, responses=80, seed=3, now=NOW))
    inactive = query(lambda s: s.scalar(select(func.count()).select_from(User).where(User.status != "active")))
    assert (result.responses, result.online) == (80, 60 - inactive)
    assert query(lambda s: s.scalar(select(func.count()).select_from(SurveyAnswer))) == 80 * 11
    assert query(lambda s: s.scalar(select(func.sum(survey_respondent_counts.c.respondents)))) == 80

    def report(s):
        survey = s.get(Survey, result.survey_id)
        return needs.needs_report(s, survey, s.get(OrgUnit, survey.root_unit_id), today=survey.opens_on).total.respondents

    assert query(report) == 80
