"""Each learning event becomes one xAPI 1.0.3 statement that keeps the spec's
rules, with the same id however often the event is recorded."""
from __future__ import annotations

import copy
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from lms import events
from lms.xapi import services
from lms.xapi.models import XapiStatement
from lms.xapi.statements import statement_id
from tests.builders import NOW
from tests.xapi.conftest import BASE_URL, journey, stored
from tests.xapi.validator import problems

ADL = "http://adlnet.gov/expapi"


def by_verb(statements: list[dict]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for s in statements:
        found.setdefault(s["verb"]["id"].rsplit("/", 1)[1], []).append(s)
    return found


def test_a_learners_journey_gives_one_valid_statement_per_event(world, build, query):
    journey(build, world.users["alice"], world.course_id)
    statements = stored(query)
    for statement in statements:
        assert problems(statement) == [], statement
    verbs = by_verb(statements)
    assert {k: len(v) for k, v in verbs.items()} == {"experienced": 2, "failed": 1, "passed": 1, "completed": 1,
                                                       "earned": 1}

    for s in statements:
        assert s["version"] == "1.0.3"
        assert s["actor"] == {"objectType": "Agent", "account": {"homePage": BASE_URL, "name": "alice"}}
        assert "@" not in json.dumps(s["actor"])  # never an e-mail address
        assert s["verb"]["display"]["en-US"] and s["verb"]["display"]["zh-CN"]
        assert s["context"]["platform"] == "SSCBC @learning" and s["context"]["language"] == "zh-CN"
        assert uuid.UUID(s["id"]).version == 5

    first, second = verbs["experienced"]
    assert first["verb"]["id"] == f"{ADL}/verbs/experienced"
    assert first["object"]["id"] == f"{BASE_URL}/courses/T-101/lessons/lesson-1"
    assert second["object"]["id"] == f"{BASE_URL}/courses/T-101/lessons/lesson-2"
    assert first["object"]["definition"] == {"name": {"zh-CN": "第1课"}, "type": f"{ADL}/activities/lesson"}
    assert first["timestamp"] == (NOW + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    course = {"objectType": "Activity", "id": f"{BASE_URL}/courses/T-101",
              "definition": {"name": {"zh-CN": "养老保险入门"}, "type": f"{ADL}/activities/course"}}
    assert first["context"]["contextActivities"] == {"parent": [course]}

    [failed], [passed] = verbs["failed"], verbs["passed"]
    assert failed["object"]["id"] == passed["object"]["id"] == f"{BASE_URL}/courses/T-101/quiz"
    assert passed["object"]["definition"]["type"] == f"{ADL}/activities/assessment"
    # The builders' quiz: 3 points; the wrong answers earn none, the right ones all.
    assert failed["result"] == {"score": {"scaled": 0.0, "raw": 0.0, "min": 0, "max": 3.0}, "success": False,
                                "completion": True}
    assert passed["result"] == {"score": {"scaled": 1.0, "raw": 3.0, "min": 0, "max": 3.0}, "success": True,
                                "completion": True}
    assert passed["context"]["contextActivities"]["parent"] == [course]

    [completed] = verbs["completed"]
    assert completed["object"] == course
    assert completed["result"] == {"completion": True, "score": {"scaled": 1.0}}
    assert "contextActivities" not in completed["context"]
    assert completed["timestamp"] == passed["timestamp"]  # the pass completed the course


def test_attended_and_certificate_earned_follow_their_hooks(world, build, query):
    alice = world.users["alice"]
    build(lambda s: events.session_attended(s, user_id=alice, session_id=7, course_id=world.course_id))
    build(lambda s: events.session_attended(s, user_id=alice, session_id=8, course_id=None))
    build(lambda s: events.certificate_issued(s, user_id=alice, certificate_id=3, course_id=world.course_id,
                                              programme_id=None))
    build(lambda s: events.certificate_issued(s, user_id=alice, certificate_id=4, course_id=None, programme_id=2))
    statements = stored(query)
    for statement in statements:
        assert problems(statement) == [], statement
    attended, unlinked, earned, programme = statements
    assert attended["verb"]["id"] == f"{ADL}/verbs/attended"
    assert attended["object"]["id"] == f"{BASE_URL}/classroom/sessions/7"
    assert attended["object"]["definition"]["type"] == f"{ADL}/activities/meeting"
    assert attended["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE_URL}/courses/T-101"
    assert unlinked["object"] == {"objectType": "Activity", "id": f"{BASE_URL}/classroom/sessions/8",
                                  "definition": {"type": f"{ADL}/activities/meeting"}}
    assert "contextActivities" not in unlinked["context"]
    assert earned["verb"]["id"] == "http://id.tincanapi.com/verb/earned"
    assert earned["object"]["id"] == f"{BASE_URL}/certificates/3"
    assert earned["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE_URL}/courses/T-101"
    assert programme["context"]["contextActivities"]["parent"] == [
        {"objectType": "Activity", "id": f"{BASE_URL}/programmes/2"}]


def test_an_essay_waiting_for_a_person_gives_no_pass_or_fail_yet(world, build, query):
    from lms.learn import services as learning
    from tests import builders

    def run(s):
        course = builders.make_course(s, "E-101", lessons=1, quiz_toml=builders.KINDS_QUIZ_TOML)
        learning.enrol(s, user_id=world.users["bob"], course=course, now=NOW)
        attempt = learning.start_attempt(s, user_id=world.users["bob"], quiz=course.quiz, now=NOW)
        essay = next(q.id for q in course.quiz.questions if q.kind == "essay")
        token = next(e["t"] for e in attempt.layout if e["q"] == essay)
        graded = learning.submit_attempt(s, user_id=world.users["bob"], attempt_id=attempt.id,
                                         raw_answers={token: "我们局负责城乡居民养老保险。"}, now=NOW)
        assert graded.attempt.passed is None  # a person decides

    build(run)
    assert [s["verb"]["id"] for s in stored(query)] == []


# ---- the validator itself: it must catch what the spec forbids ---------------------

def _valid(world, build, query) -> dict:
    journey(build, world.users["alice"], world.course_id)
    return next(s for s in stored(query) if s["verb"]["id"].endswith("/passed"))


BREAKAGES = {
    "id not a UUID": lambda s: s.update(id="12345"),
    "no actor": lambda s: s.pop("actor"),
    "actor by e-mail": lambda s: s["actor"].update(mbox="mailto:alice@example.org"),
    "verb id not an IRI": lambda s: s["verb"].update(id="passed"),
    "bad language tag": lambda s: s["verb"].update(display={"english": "passed"}),
    "object id not an IRI": lambda s: s["object"].update(id="quiz 1"),
    "scaled above 1": lambda s: s["result"]["score"].update(scaled=1.5),
    "raw above max": lambda s: s["result"]["score"].update(raw=4.0),
    "min not below max": lambda s: s["result"]["score"].update(min=3.0),
    "success not boolean": lambda s: s["result"].update(success="yes"),
    "timestamp without zone": lambda s: s.update(timestamp="2026-03-02T09:00:00"),
    "timestamp not a date": lambda s: s.update(timestamp="2026-13-45T09:00:00Z"),
    "unknown property": lambda s: s.update(score=1),
    "bad context activities": lambda s: s["context"]["contextActivities"].update(parents=[]),
    "wrong version": lambda s: s.update(version="2.0.0"),
}


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_the_validator_catches_a_broken_statement(world, build, query, name):
    statement = copy.deepcopy(_valid(world, build, query))
    assert problems(statement) == []
    BREAKAGES[name](statement)
    assert problems(statement), name


# ---- deterministic ids ------------------------------------------------------------

def test_an_event_recorded_twice_is_stored_once_with_the_same_id(world, build, query):
    alice = world.users["alice"]
    for _ in range(2):
        build(lambda s: events.session_attended(s, user_id=alice, session_id=7, course_id=world.course_id))
        build(lambda s: events.course_completed(s, user_id=alice, course_id=world.course_id))  # no completion: nothing
    [only] = stored(query)
    assert only["id"] == statement_id(BASE_URL, "attended", alice, 7)
    assert statement_id(BASE_URL, "attended", alice, 7) == statement_id(BASE_URL + "/", "attended", alice, 7)
    assert statement_id("https://other.example", "attended", alice, 7) != only["id"]
    assert statement_id(BASE_URL, "attended", alice, 8) != only["id"]


def test_rebuild_writes_the_same_statements_again_and_only_once(app, world, build, query):
    journey(build, world.users["alice"], world.course_id)
    before = {s["id"]: s for s in stored(query)}
    build(lambda s: s.execute(delete(XapiStatement)))
    result = app.test_cli_runner().invoke(args=["lms", "rebuild-xapi"])
    assert result.exit_code == 0, result.output
    assert "added: 6" in result.output
    after = {s["id"]: s for s in stored(query)}
    assert after == before  # same ids, same content (timestamps are when it happened)
    assert "added: 0" in app.test_cli_runner().invoke(args=["lms", "rebuild-xapi"]).output
    assert query(lambda s: s.scalar(select(func.count()).select_from(XapiStatement))) == 6


def test_without_a_record_store_nothing_is_queued(world, build, query):
    from lms.assignments.models import OutboxMessage

    assert services.settings().endpoint == ""
    journey(build, world.users["alice"], world.course_id)
    assert query(lambda s: s.scalar(select(func.count()).select_from(OutboxMessage))) == 0
