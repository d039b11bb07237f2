"""A learner answers the survey in a real browser with JavaScript off: finds
it on My learning, answers with radio buttons and a comment, comes back and
changes an answer."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.surveys.models import NEED_CODES, SurveyAnswer, SurveyResponse
from tests.builders import PASSWORD
from tests.e2e.conftest import screenshot
from tests.surveys.conftest import people

pytestmark = pytest.mark.browser


def test_answering_without_javascript(build, query, sw, live_server, page):
    build(lambda s: people(s, sw, "D1", "staff", 1, prefix="browser"))
    page.goto(live_server + "/auth/login")
    page.fill("input[name=username]", "browser1")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    assert page.url.endswith("/my")
    page.click(f"section.surveys-asked a[href='/surveys/{sw.survey_id}/answer']")
    topic = sw.topics
    assert page.is_checked(f"input[name=t{topic['laws']}][value=no_answer]")  # nothing chosen yet: 'no answer'
    page.check(f"input[name=t{topic['communication']}][value=essential]")
    page.check(f"input[name=t{topic['laws']}][value=useful]")
    page.check(f"input[name=t{topic['pension']}][value=essential]")
    page.fill(f"textarea[name=c{topic['pension']}]", "个人账户转移接续")
    screenshot(page, "survey-answer")
    page.click("form.survey-answers button[type=submit]")
    assert page.url.endswith("/my")
    assert page.locator("section.surveys-asked .tick").count() == 1
    screenshot(page, "survey-my-learning-answered")

    # Back to the survey: the answers are there, and one changes.
    page.click(f"section.surveys-asked a[href='/surveys/{sw.survey_id}/answer']")
    assert page.is_checked(f"input[name=t{topic['communication']}][value=essential]")
    assert page.input_value(f"textarea[name=c{topic['pension']}]") == "个人账户转移接续"
    page.check(f"input[name=t{topic['communication']}][value=not_needed]")
    page.click("form.survey-answers button[type=submit]")
    assert page.url.endswith("/my")

    rows = query(lambda s: dict(s.execute(select(SurveyAnswer.topic_id, SurveyAnswer.need)).all()))
    assert rows == {topic["communication"]: NEED_CODES["not_needed"], topic["workflow"]: NEED_CODES["no_answer"],
                    topic["laws"]: NEED_CODES["useful"], topic["pension"]: NEED_CODES["essential"]}
    assert query(lambda s: len(s.scalars(select(SurveyResponse)).all())) == 1


def test_the_needs_report_in_a_browser(build, sw, live_server, page):
    from tests.surveys.conftest import answer

    def fill(s):
        for i, uid in enumerate(people(s, sw, "C1", "staff", 7)):
            answer(s, sw, uid, {"communication": NEED_CODES["essential"], "laws": NEED_CODES["useful"] if i % 2 else
                                NEED_CODES["no_answer"], "pension": NEED_CODES["essential"]})
        for uid in people(s, sw, "PC", "staff", 2):
            answer(s, sw, uid, {"communication": NEED_CODES["not_needed"]})

    build(fill)
    page.goto(live_server + "/auth/login")
    page.fill("input[name=username]", "pboss")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.goto(live_server + f"/surveys/{sw.survey_id}/needs")
    assert page.locator("figure.chart svg").count() == 2
    assert page.locator("table.units tr[data-key='PC'] .suppressed").count() >= 3
    assert page.locator("section.flagged li").count() >= 1  # high need, no course in the catalogue
    screenshot(page, "survey-needs-report")
    page.click("table.units a.drill >> nth=0")
    assert "unit=" in page.url
