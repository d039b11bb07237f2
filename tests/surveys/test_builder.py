"""The survey builder: draft -> open -> closed, versions once opened (no
silent edits), the audit trail, and who may build and read which survey."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.surveys import services
from lms.surveys.models import Survey, SurveyEvent, SurveyTopic, SurveyVersion
from lms.surveys.services import SurveyFields, TopicFields
from tests.builders import NOW
from tests.surveys.conftest import TOPICS, make_survey
from tests.web.helpers import login, text


def fields(root_id, **changes) -> SurveyFields:
    base = dict(title="培训需求调查", description="请选择您的培训需求。", opens_on=NOW.date(),
                closes_on=NOW.date() + timedelta(days=30), root_unit_id=root_id, categories=["staff", "manager"])
    base.update(changes)
    return SurveyFields(**base)


def test_a_draft_changes_freely_then_opening_keeps_version_1(build, query, sw):
    def draft(s):
        survey = make_survey(s, sw.units["P"], open_it=False)
        topic = survey.topics[0]
        services.update_topic(s, topic, TopicFields(key="comm", title="沟通能力", skill_type="transversal",
                                                    target_level="expertise"), user_id=None, now=NOW)
        services.move_topic(s, survey.topics[1], up=True, user_id=None, now=NOW)
        services.delete_topic(s, survey.topics[-1], user_id=None, now=NOW)
        services.update_survey(s, survey, fields(sw.units["C1"], categories=["staff"]), user_id=None, now=NOW)
        assert survey.version == 0
        services.open_survey(s, survey, user_id=None, now=NOW)
        return survey.id

    survey_id = build(draft)
    survey = query(lambda s: s.get(Survey, survey_id))
    assert (survey.status, survey.version, survey.root_unit_id) == ("open", 1, sw.units["C1"])
    version = query(lambda s: s.get(SurveyVersion, (survey_id, 1)))
    content = json.loads(version.content)
    assert [t["key"] for t in content["topics"]] == ["workflow", "comm", "laws"]
    assert content["topics"][1]["target_level"] == "expertise" and content["categories"] == ["staff"]
    actions = query(lambda s: list(s.scalars(select(SurveyEvent.action).where(SurveyEvent.survey_id == survey_id)
                                             .order_by(SurveyEvent.id))))
    assert actions[0] == "created" and actions[-1] == "opened" and "edited" in actions


def test_an_open_survey_changes_only_by_new_versions(build, query, sw):
    def revise(s):
        survey = s.get(Survey, sw.survey_id)
        laws = next(t for t in survey.topics if t.key == "laws")
        services.update_topic(s, laws, TopicFields(key="laws", title="社会保险法律法规", skill_type="social-security",
                                                   target_level="information"), user_id=None, now=NOW)
        services.add_topic(s, survey, TopicFields(key="it", title="办公信息技术", skill_type="professional",
                                                  target_level="information"), user_id=None, now=NOW)
        services.update_survey(s, survey, fields(sw.units["P"], closes_on=NOW.date() + timedelta(days=40)),
                               user_id=None, now=NOW)
        return survey.version

    assert build(revise) == 4
    versions = query(lambda s: services.versions(s, sw.survey_id))
    assert [v.number for v in versions] == [4, 3, 2, 1]
    assert [v.summary for v in versions][:3] == ["changed: dates", "topic added: it", "topic reworded: laws"]
    first, last = json.loads(versions[-1].content), json.loads(versions[0].content)
    assert [t["title"] for t in first["topics"] if t["key"] == "laws"] == ["法律法规"]  # kept as it was
    assert [t["title"] for t in last["topics"] if t["key"] == "laws"] == ["社会保险法律法规"]
    assert query(lambda s: s.scalar(select(SurveyTopic.added_in_version).where(SurveyTopic.key == "it"))) == 3


@pytest.mark.parametrize("change", ["target", "category", "cell", "schemes", "key", "remove", "move", "first_day"])
def test_an_open_survey_refuses_changes_of_meaning(build, query, sw, change):
    def attempt(s):
        survey = s.get(Survey, sw.survey_id)
        pension = next(t for t in survey.topics if t.key == "pension")
        now = NOW + timedelta(days=1)
        if change == "target":
            services.update_survey(s, survey, fields(sw.units["C1"]), user_id=None, now=now)
        elif change == "category":
            services.update_survey(s, survey, fields(sw.units["P"], categories=["staff"]), user_id=None, now=now)
        elif change == "cell":
            services.update_topic(s, pension, TopicFields(key="pension", title="养老保险", skill_type="social-security",
                                                          target_level="expertise", schemes=["pension"],
                                                          comment_allowed=True), user_id=None, now=now)
        elif change == "schemes":
            services.update_topic(s, pension, TopicFields(key="pension", title="养老保险", skill_type="social-security",
                                                          target_level="capacity", schemes=["medical"],
                                                          comment_allowed=True), user_id=None, now=now)
        elif change == "key":
            services.update_topic(s, pension, TopicFields(key="pensions", title="养老保险", skill_type="social-security",
                                                          target_level="capacity", schemes=["pension"],
                                                          comment_allowed=True), user_id=None, now=now)
        elif change == "remove":
            services.delete_topic(s, pension, user_id=None, now=now)
        elif change == "move":
            services.move_topic(s, pension, up=True, user_id=None, now=now)
        elif change == "first_day":
            services.update_survey(s, survey, fields(sw.units["P"], opens_on=NOW.date() - timedelta(days=1)),
                                   user_id=None, now=now)

    with pytest.raises(services.SurveyError):
        build(attempt)
    assert query(lambda s: s.get(Survey, sw.survey_id).version) == 1


def test_closing_is_final(build, sw):
    build(lambda s: services.close_survey(s, s.get(Survey, sw.survey_id), user_id=None, now=NOW))
    for attempt in (lambda s: services.close_survey(s, s.get(Survey, sw.survey_id), user_id=None, now=NOW),
                    lambda s: services.open_survey(s, s.get(Survey, sw.survey_id), user_id=None, now=NOW),
                    lambda s: services.add_topic(s, s.get(Survey, sw.survey_id), TOPICS[0], user_id=None, now=NOW),
                    lambda s: services.update_survey(s, s.get(Survey, sw.survey_id), fields(sw.units["P"], title="x"),
                                                     user_id=None, now=NOW)):
        with pytest.raises(services.SurveyError):
            build(attempt)


def test_opening_needs_topics_and_a_future_last_day(build, sw):
    empty = build(lambda s: services.create_survey(s, fields(sw.units["P"]), user_id=None, now=NOW).id)
    with pytest.raises(services.SurveyError):
        build(lambda s: services.open_survey(s, s.get(Survey, empty), user_id=None, now=NOW))
    with pytest.raises(services.SurveyError):
        build(lambda s: services.create_survey(s, fields(sw.units["P"], closes_on=NOW.date() - timedelta(days=1)),
                                               user_id=None, now=NOW))
    with pytest.raises(services.SurveyError):
        build(lambda s: services.create_survey(s, fields(sw.units["P"], categories=[]), user_id=None, now=NOW))
    with pytest.raises(services.SurveyError):
        build(lambda s: services.add_topic(s, s.get(Survey, empty), TopicFields(key="Bad Key", title="x",
                                                                                 skill_type="transversal",
                                                                                 target_level="capacity"),
                                           user_id=None, now=NOW))


# ---- through the pages ------------------------------------------------------------------------


def test_a_manager_builds_opens_and_closes_a_survey(client, build, query, sw):
    login(client, "c1boss")
    assert client.get("/surveys/new").status_code == 200
    response = client.post("/surveys/new", data={
        "title": "南京市培训需求调查", "description": "", "opens_on": NOW.date().isoformat(),
        "closes_on": (NOW.date() + timedelta(days=20)).isoformat(), "root_unit_id": str(sw.units["C1"]),
        "categories": ["staff"], "levels": ["district"]})
    assert response.status_code == 302
    survey_id = int(re.search(r"/surveys/(\d+)$", response.headers["Location"])[1])
    response = client.post(f"/surveys/{survey_id}/topics/new", data={
        "key": "relations", "title": "与参保人关系", "skill_type": "transversal", "target_level": "capacity",
        "comment_allowed": "y"})
    assert response.status_code == 302
    assert client.post(f"/surveys/{survey_id}/open", data={}).status_code == 302
    page = text(client.get(f"/surveys/{survey_id}"))
    assert "与参保人关系" in page and f"/surveys/{survey_id}/versions/1" in page
    assert client.get(f"/surveys/{survey_id}/versions/1").status_code == 200
    # An open survey: a wording change is a new version; a new cell is refused with a message.
    topic_id = query(lambda s: s.scalar(select(SurveyTopic.id).where(SurveyTopic.survey_id == survey_id)))
    response = client.post(f"/surveys/{survey_id}/topics/{topic_id}", data={
        "key": "relations", "title": "与参保人关系的质量", "skill_type": "transversal", "target_level": "capacity",
        "comment_allowed": "y"})
    assert response.status_code == 302
    response = client.post(f"/surveys/{survey_id}/topics/{topic_id}", data={
        "key": "relations", "title": "与参保人关系的质量", "skill_type": "transversal", "target_level": "expertise",
        "comment_allowed": "y"})
    assert response.status_code == 200 and 'class="flash error"' in text(response)
    assert query(lambda s: s.get(Survey, survey_id).version) == 2
    assert client.post(f"/surveys/{survey_id}/close", data={}).status_code == 302
    assert query(lambda s: s.get(Survey, survey_id).status) == "closed"
    actions = set(query(lambda s: s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("survey_%")))))
    assert {"survey_created", "survey_topic_added", "survey_opened", "survey_topic_changed", "survey_closed"} <= actions


def test_the_root_unit_must_be_in_the_builders_scope(client, build, query, sw):
    login(client, "c1boss")
    response = client.post("/surveys/new", data={
        "title": "越权调查", "opens_on": NOW.date().isoformat(), "closes_on": NOW.date().isoformat(),
        "root_unit_id": str(sw.units["P"]), "categories": ["staff"]})
    assert response.status_code == 200
    assert query(lambda s: s.scalar(select(func.count()).select_from(Survey))) == 1


def test_who_reads_and_who_builds(client, build, sw):
    # P's manager builds it; C1's manager (below) reads it but cannot change it; Q's manager does not see it.
    login(client, "c1boss")
    assert client.get(f"/surveys/{sw.survey_id}").status_code == 200
    assert client.get(f"/surveys/{sw.survey_id}/needs").status_code == 200
    assert client.get(f"/surveys/{sw.survey_id}/edit").status_code == 403
    assert client.post(f"/surveys/{sw.survey_id}/close", data={}).status_code == 403
    assert f"/surveys/{sw.survey_id}" in text(client.get("/surveys/"))
    client.post("/auth/logout")
    login(client, "qboss")
    assert client.get(f"/surveys/{sw.survey_id}").status_code == 404
    assert client.get(f"/surveys/{sw.survey_id}/needs").status_code == 404
    assert client.get(f"/surveys/{sw.survey_id}/needs.csv").status_code == 404
    assert f"/surveys/{sw.survey_id}" not in text(client.get("/surveys/"))
    client.post("/auth/logout")
    login(client, "admin")
    assert client.get(f"/surveys/{sw.survey_id}/edit").status_code == 200


def test_learners_cannot_reach_the_builder(client, build, sw):
    from tests.surveys.conftest import people

    build(lambda s: people(s, sw, "C1", "staff", 1, prefix="plain"))
    login(client, "plain1")
    for url in ("/surveys/", f"/surveys/{sw.survey_id}", f"/surveys/{sw.survey_id}/needs", "/surveys/new"):
        assert client.get(url).status_code == 403, url
