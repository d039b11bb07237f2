"""The demo survey of `lms create-demo`: open, built from the report's topics,
answered by the 52 bureaus of the report's survey table (by level and kind),
created once."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from lms.auth.models import User
from lms.demo import create_demo
from lms.orgs.models import OrgUnit
from lms.surveys import needs, services
from lms.surveys.demo import TITLE, create_demo_survey
from lms.surveys.models import Survey, SurveyResponse
from tests.builders import NOW


def test_the_demo_survey_reproduces_the_reports_sample(build, query):
    assert build(lambda s: (create_demo(s, now=NOW), create_demo_survey(s, now=NOW))[1].id)
    assert build(lambda s: create_demo_survey(s, now=NOW)) is None  # once
    assert query(lambda s: s.scalar(select(func.count()).select_from(Survey))) == 1

    def check(s):
        survey = s.scalar(select(Survey).where(Survey.title == TITLE))
        assert services.state_on(survey, NOW.date()) == "open" and len(survey.topics) == 11
        report = needs.needs_report(s, survey, s.get(OrgUnit, survey.root_unit_id), today=NOW.date())
        levels, kinds = Counter(), Counter()
        for row in report.units_answered:
            levels[row.level] += row.units
            kinds[row.kind] += row.units
        assert levels == {"province": 23, "city": 24, "provincial_city": 4, "district": 1}
        assert kinds == {"social_insurance": 29, "medical_insurance": 13, "pension_insurance": 4, "fund_management": 3,
                         "labour_employment_insurance": 1, "labour_social_insurance": 1, "work_injury": 1}
        assert isinstance(report.total.respondents, int) and report.total.respondents > 300
        # Managers put the management of the structures first; medium-level managers leave more 'no answer'.
        manager = next(g for g in report.by_category if g.key == "manager")
        staff = next(g for g in report.by_category if g.key == "staff")
        management = ("transversal", "expertise")
        assert manager.cells[management].score > staff.cells[management].score
        # The demo learners have not answered: they are asked.
        staff_user = s.scalar(select(User).where(User.username == "staff"))
        assert [x.survey.id for x in services.surveys_for_learner(s, staff_user, NOW.date())] == [survey.id]
        assert s.scalar(select(func.count()).select_from(SurveyResponse).where(SurveyResponse.user_id.is_not(None))) == 0

    query(check)
