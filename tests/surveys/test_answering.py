"""Answering: once per person, changed until the survey closes, refused
outside the target or the dates; the answers are tied to the person's unit,
category and language at answering time; the counters follow every change."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.people.services import UserChanges, update_user
from lms.surveys import services
from lms.surveys.models import SurveyAnswer, SurveyResponse, survey_need_counts, survey_respondent_counts
from tests.builders import NOW, make_user
from tests.surveys.conftest import NA, NN, E, U, answer, people
from tests.web.helpers import login, text


def counters(session, survey_id):
    n, r = survey_need_counts, survey_respondent_counts
    needs = {(row.org_unit_id, row.staff_category, row.topic_id): (row.not_needed, row.useful, row.essential, row.no_answer)
             for row in session.execute(select(n).where(n.c.survey_id == survey_id))}
    respondents = {(row.org_unit_id, row.staff_category, row.language): row.respondents
                   for row in session.execute(select(r).where(r.c.survey_id == survey_id))}
    return ({k: v for k, v in needs.items() if any(v)}, {k: v for k, v in respondents.items() if v})


def test_answer_once_and_change_until_close(build, query, sw):
    uid = build(lambda s: people(s, sw, "C1", "staff", 1)[0])
    first, created = build(lambda s: answer(s, sw, uid, {"communication": E, "laws": U}))
    assert created
    # Unanswered topics are recorded as 'no answer'.
    needs = query(lambda s: dict(s.execute(select(SurveyAnswer.topic_id, SurveyAnswer.need)
                                           .where(SurveyAnswer.response_id == first.id)).all()))
    assert needs == {sw.topics["communication"]: E, sw.topics["workflow"]: NA, sw.topics["laws"]: U,
                     sw.topics["pension"]: NA}
    second, created = build(lambda s: answer(s, sw, uid, {"communication": NN}, now=NOW + timedelta(days=3)))
    assert not created and second.id == first.id
    assert query(lambda s: s.scalar(select(func.count()).select_from(SurveyResponse))) == 1
    needs, respondents = query(lambda s: counters(s, sw.survey_id))
    c1 = sw.units["C1"]
    assert respondents == {(c1, "staff", "zh_CN"): 1}
    assert needs == {(c1, "staff", sw.topics["communication"]): (1, 0, 0, 0),
                     (c1, "staff", sw.topics["workflow"]): (0, 0, 0, 1),
                     (c1, "staff", sw.topics["laws"]): (0, 0, 0, 1),
                     (c1, "staff", sw.topics["pension"]): (0, 0, 0, 1)}
    # The last day still counts until midnight in the site's zone (23:00 in
    # Beijing is 15:00 UTC); an hour and a half later (00:30 in Beijing) it is closed.
    build(lambda s: answer(s, sw, uid, {"laws": E}, now=NOW + timedelta(days=30, hours=6)))
    with pytest.raises(services.NotAccepting):
        build(lambda s: answer(s, sw, uid, {"laws": NN}, now=NOW + timedelta(days=30, hours=7, minutes=30)))


def test_closed_by_hand_takes_no_more_answers(build, sw):
    uid = build(lambda s: people(s, sw, "C1", "staff", 1)[0])
    build(lambda s: answer(s, sw, uid, {"laws": E}))
    build(lambda s: services.close_survey(s, services.lock_survey(s, sw.survey_id), user_id=None, now=NOW))
    with pytest.raises(services.NotAccepting):
        build(lambda s: answer(s, sw, uid, {"laws": NN}, now=NOW + timedelta(hours=1)))


def test_not_before_the_first_day(build, sw):
    uid = build(lambda s: people(s, sw, "C1", "staff", 1)[0])
    with pytest.raises(services.NotAccepting):
        build(lambda s: answer(s, sw, uid, {"laws": E}, now=NOW - timedelta(days=1)))


@pytest.mark.parametrize("unit,category,status", [
    ("Q", "staff", "active"),          # another province
    ("N", "staff", "active"),          # above the survey's unit
    ("C1", "professional", "active"),  # a category not asked
    ("C1", "staff", "deactivated"),
])
def test_outside_the_target_is_refused(build, query, sw, unit, category, status):
    uid = build(lambda s: make_user(s, username="outsider", staff_category=category, org_unit_id=sw.units[unit],
                                    status=status).id)
    with pytest.raises(services.NotInTarget):
        build(lambda s: answer(s, sw, uid, {"laws": E}))
    assert query(lambda s: s.scalar(select(func.count()).select_from(SurveyResponse))) == 0


def test_levels_of_unit_narrow_the_target(build, sw):
    from tests.surveys.conftest import make_survey

    def setup(s):
        survey = make_survey(s, sw.units["P"], levels=("provincial_city",))
        return survey.id, {t.key: t.id for t in survey.topics}

    survey_id, topics = build(setup)
    inside = build(lambda s: people(s, sw, "PC", "staff", 1)[0])
    outside = build(lambda s: people(s, sw, "C1", "staff", 1)[0])
    build(lambda s: services.answer(s, survey_id=survey_id, user_id=inside, answers={topics["laws"]: (E, None)}, now=NOW))
    with pytest.raises(services.NotInTarget):
        build(lambda s: services.answer(s, survey_id=survey_id, user_id=outside, answers={topics["laws"]: (E, None)},
                                        now=NOW))


def test_answers_follow_the_unit_and_category_at_answering_time(build, query, sw):
    uid = build(lambda s: people(s, sw, "C1", "staff", 1)[0])
    build(lambda s: answer(s, sw, uid, {"laws": E}))

    def move(s):
        user = s.get(User, uid)
        update_user(s, user, UserChanges(full_name=user.full_name, email=user.email, org_unit_id=sw.units["PC"],
                                         staff_category="manager", language="en", status="active"), now=NOW)

    build(move)
    # Moving alone changes nothing: the answers stay where they were given ...
    needs, respondents = query(lambda s: counters(s, sw.survey_id))
    assert respondents == {(sw.units["C1"], "staff", "zh_CN"): 1}
    # ... until the person answers again.
    build(lambda s: answer(s, sw, uid, {"laws": U}))
    needs, respondents = query(lambda s: counters(s, sw.survey_id))
    assert respondents == {(sw.units["PC"], "manager", "en"): 1}
    assert needs[(sw.units["PC"], "manager", sw.topics["laws"])] == (0, 1, 0, 0)
    assert not [k for k in needs if k[0] == sw.units["C1"]]


def test_answers_are_checked(build, sw):
    uid = build(lambda s: people(s, sw, "C1", "staff", 1)[0])
    with pytest.raises(services.SurveyError):  # a comment where the topic takes none
        build(lambda s: answer(s, sw, uid, {"laws": E}, comments={"laws": "x"}))
    with pytest.raises(services.SurveyError):  # too long
        build(lambda s: answer(s, sw, uid, {"pension": E}, comments={"pension": "长" * 1001}))
    with pytest.raises(services.SurveyError):  # another survey's topic
        build(lambda s: services.answer(s, survey_id=sw.survey_id, user_id=uid, answers={10**6: (E, None)}, now=NOW))
    with pytest.raises(services.SurveyError):  # not a need
        build(lambda s: answer(s, sw, uid, {"laws": 7}))
    response, _created = build(lambda s: answer(s, sw, uid, {"pension": E}, comments={"pension": " 急需 "}))
    assert response.id


# ---- through the pages ----------------------------------------------------------------------

def form(sw, needs: dict[str, str], comments=None) -> dict:
    data = {f"t{sw.topics[k]}": v for k, v in needs.items()}
    data.update({f"c{sw.topics[k]}": v for k, v in (comments or {}).items()})
    return data


def test_learner_sees_the_survey_on_my_learning_and_answers(client, build, query, sw):
    build(lambda s: people(s, sw, "D1", "staff", 1, prefix="learner"))
    login(client, "learner1")
    page = text(client.get("/my"))
    assert "培训需求调查" in page and f"/surveys/{sw.survey_id}/answer" in page
    page = text(client.get(f"/surveys/{sw.survey_id}/answer"))
    assert page.count('type="radio"') == 4 * 4
    # Not answered yet: every topic starts at 'no answer' (no JavaScript needed to leave one alone).
    assert len(re.findall(r'<input checked[^>]*value="no_answer"', page)) == 4
    response = client.post(f"/surveys/{sw.survey_id}/answer",
                           data=form(sw, {"communication": "essential", "pension": "useful"}, {"pension": "缴费基数"}))
    assert response.status_code == 302 and response.headers["Location"].endswith("/my")
    mine = text(client.get("/my"))
    assert 'class="survey-asked"' in mine and 'class="tick"' in mine
    # Shown again with the answers given, and changed.
    page = text(client.get(f"/surveys/{sw.survey_id}/answer"))
    assert "缴费基数" in page
    response = client.post(f"/surveys/{sw.survey_id}/answer",
                           data=form(sw, {"communication": "not_needed", "laws": "essential"}))
    assert response.status_code == 302
    rows = query(lambda s: s.execute(select(SurveyAnswer.topic_id, SurveyAnswer.need, SurveyAnswer.comment)).all())
    # (a topic the form did not send keeps its answer: a browser always sends the checked one)
    assert sorted(rows) == sorted([(sw.topics["communication"], NN, None), (sw.topics["workflow"], NA, None),
                                   (sw.topics["laws"], E, None), (sw.topics["pension"], U, "缴费基数")])


def test_outsider_is_refused_with_403_and_it_is_logged(client, build, query, sw):
    build(lambda s: people(s, sw, "Q", "staff", 1, prefix="outsider"))
    login(client, "outsider1")
    assert "培训需求调查" not in text(client.get("/my"))
    assert client.get(f"/surveys/{sw.survey_id}/answer").status_code == 403
    assert client.post(f"/surveys/{sw.survey_id}/answer", data=form(sw, {"laws": "essential"})).status_code == 403
    from lms.audit.models import AuditEvent

    assert query(lambda s: s.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "permission_denied"))) == 2
    assert query(lambda s: s.scalar(select(func.count()).select_from(SurveyResponse))) == 0


def test_after_the_close_the_page_shows_the_answers_and_refuses_changes(client, build, query, sw):
    build(lambda s: people(s, sw, "C1", "staff", 1, prefix="late"))
    login(client, "late1")
    assert client.post(f"/surveys/{sw.survey_id}/answer", data=form(sw, {"laws": "essential"})).status_code == 302
    build(lambda s: services.close_survey(s, services.lock_survey(s, sw.survey_id), user_id=None, now=NOW))
    page = client.get(f"/surveys/{sw.survey_id}/answer")
    assert page.status_code == 200
    assert 'type="radio"' not in text(page) and '<dl class="facts">' in text(page)  # the answers, read-only
    refused = client.post(f"/surveys/{sw.survey_id}/answer", data=form(sw, {"laws": "not_needed"}))
    assert refused.status_code == 409
    assert query(lambda s: s.scalar(select(SurveyAnswer.need).where(SurveyAnswer.topic_id == sw.topics["laws"]))) == E
    assert "培训需求调查" not in text(client.get("/my"))  # no longer asked


def test_a_bad_need_value_is_refused(client, build, sw):
    build(lambda s: people(s, sw, "C1", "staff", 1, prefix="bad"))
    login(client, "bad1")
    assert client.post(f"/surveys/{sw.survey_id}/answer", data=form(sw, {"laws": "urgent"})).status_code == 400


def test_a_draft_survey_is_not_found(client, build, sw):
    from tests.surveys.conftest import make_survey

    draft = build(lambda s: make_survey(s, sw.units["P"], open_it=False).id)
    build(lambda s: people(s, sw, "C1", "staff", 1, prefix="early"))
    login(client, "early1")
    assert client.get(f"/surveys/{draft}/answer").status_code == 404
