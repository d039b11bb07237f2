"""Assessment over /api/v1 (issue 11): the attempt's own tokens name questions,
options, matching items and answers (never database ids); every kind is answered
and graded on the server; bad input is a 422 that changes nothing; what a
result shows follows the quiz's review options. Every answer is checked against
the OpenAPI document's schema."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from jsonschema_rs import Draft202012Validator
from sqlalchemy import func, select

from lms.api.openapi import DOCUMENT
from lms.learn.models import AttemptAnswer, QuizAttempt
from tests.builders import KINDS_QUIZ_TOML, NOW, by_token, correct_answers, make_course, wrong_answers

API = "/api/v1"


def conforms(body: dict, schema: str) -> dict:
    validator = Draft202012Validator({"$ref": f"#/components/schemas/{schema}", "components": DOCUMENT["components"]})
    errors = [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, errors[:5]
    return body


def layout_of(db, attempt_id: int) -> list:
    db.rollback()
    try:
        return db.get(QuizAttempt, attempt_id).layout
    finally:
        db.rollback()


def start(client, headers, code: str) -> dict:
    client.post(f"{API}/courses/{code}/enrolment", headers=headers)
    res = client.post(f"{API}/courses/{code}/quiz/attempts", headers=headers)
    assert res.status_code in (200, 201), res.get_json()
    return conforms(res.get_json(), "AttemptOpen")


def count(db, model) -> int:
    db.rollback()
    try:
        return db.scalar(select(func.count()).select_from(model))
    finally:
        db.rollback()


def test_identifiers_are_the_attempts_tokens_never_database_ids(client, db, headers):
    course = make_course(db, "T-101", quiz_extra="shuffle_options = true")
    db.commit()
    attempt = start(client, headers, "T-101")
    layout = layout_of(db, attempt["id"])
    assert [q["id"] for q in attempt["questions"]] == [e["t"] for e in layout]
    for question, entry in zip(attempt["questions"], layout, strict=True):
        assert [o["id"] for o in question["options"]] == [token for _oid, token in entry["o"]]
    ids = {str(q.id) for q in course.quiz.questions} | {str(o.id) for q in course.quiz.questions for o in q.options}
    sent = {q["id"] for q in attempt["questions"]} | {o["id"] for q in attempt["questions"] for o in q["options"]}
    assert all(re.fullmatch(r"[0-9a-f]{12}", token) for token in sent) and not sent & ids


def kinds_answers(attempt: dict, *, short: str = "peking", number: str = "3,010", essay: str = "Twelve people.") -> dict:
    questions = {q["kind"]: q for q in attempt["questions"]}
    matching = questions["matching"]
    by_text = {c["text"]: c["id"] for c in matching["choices"]}
    items = matching["items"]  # Pension, Medical in the author's order (options are not shuffled here)
    return {
        questions["short_answer"]["id"]: short,
        questions["numerical"]["id"]: number,
        matching["id"]: {items[0]["id"]: by_text["养老"], items[1]["id"]: by_text["生育"]},
        questions["single"]["id"]: [questions["single"]["options"][1]["id"]],  # half
        questions["multiple"]["id"]: [o["id"] for o in questions["multiple"]["options"][:2]],  # both right
        questions["essay"]["id"]: essay,
    }


def test_every_kind_through_the_api(client, db, headers):
    make_course(db, "K-201", quiz_toml=KINDS_QUIZ_TOML, pass_mark=50)
    db.commit()
    attempt = start(client, headers, "K-201")
    questions = {q["kind"]: q for q in attempt["questions"]}
    assert questions["numerical"]["units"] == ["元", "万元"] and questions["essay"]["max_chars"] == 50
    assert {c["text"] for c in questions["matching"]["choices"]} == {"养老", "医疗", "生育"}
    assert questions["short_answer"]["options"] == [] and questions["short_answer"]["max_chars"] == 500

    res = client.post(f"{API}/attempts/{attempt['id']}/submission", headers=headers,
                      json={"answers": kinds_answers(attempt)})
    assert res.status_code == 200, res.get_json()
    result = conforms(res.get_json(), "SubmissionResult")["attempt"]
    # 0.5 (Peking) + 1 (3,010 within 3000 ± 50) + 0.5 (one pair of two) + 0.5 + 1, the essay waiting.
    assert (result["points_earned"], result["points_possible"]) == (3.5, 6)
    assert result["passed"] is None and result["awaiting_grading"] is True
    graded = {q["kind"]: q for q in result["questions"]}
    assert graded["essay"]["state"] == "awaiting_grading" and graded["essay"]["is_correct"] is None
    assert graded["essay"]["response"] == "Twelve people."
    assert graded["numerical"]["fraction"] == 1.0 and graded["numerical"]["response"] == "3,010"
    assert graded["matching"]["fraction"] == 0.5
    assert graded["multiple"]["is_correct"] is True
    # Attempts remain and none passed: no key and no feedback yet.
    assert all(q[k] is None for q in result["questions"] for k in
               ("correct_options", "accepted_answers", "accepted_ranges", "correct_pairs", "feedback_html",
                "answer_feedback_html"))


def test_the_key_of_each_kind_once_shown(client, db, headers):
    make_course(db, "K-202", quiz_toml=KINDS_QUIZ_TOML, pass_mark=50, attempts=1)
    db.commit()
    attempt = start(client, headers, "K-202")
    client.post(f"{API}/attempts/{attempt['id']}/submission", headers=headers,
                json={"answers": kinds_answers(attempt, essay="")})
    result = conforms(client.get(f"{API}/attempts/{attempt['id']}", headers=headers).get_json(), "AttemptResult")
    assert result["review"] == {"score": True, "correctness": True, "right_answers": True, "feedback": True}
    graded = {q["kind"]: q for q in result["questions"]}
    assert graded["short_answer"]["accepted_answers"] == [{"text": "北京", "weight": 100}, {"text": "Peking", "weight": 50}]
    assert graded["short_answer"]["answer_feedback_html"] == "<p>The old name.</p>"
    assert graded["numerical"]["accepted_ranges"] == [{"min": 2950, "max": 3050, "weight": 100}]
    matching = next(q for q in attempt["questions"] if q["kind"] == "matching")
    by_text = {c["text"]: c["id"] for c in matching["choices"]}
    assert graded["matching"]["correct_pairs"] == {matching["items"][0]["id"]: by_text["养老"],
                                                   matching["items"][1]["id"]: by_text["医疗"]}
    assert graded["single"]["correct_options"] == [graded["single"]["options"][0]["id"]]
    assert graded["single"]["options"][1]["feedback_html"] == "<p>Half right.</p>"  # chosen: its feedback
    assert graded["single"]["options"][2]["feedback_html"] is None  # not chosen
    assert graded["essay"]["state"] == "unanswered" and result["passed"] is True  # an empty essay: 0, no wait


@pytest.mark.parametrize("answer, message", [
    ({"numerical": "three thousand"}, "Question 2: write a number (such as 1234.5), optionally followed by one of "
                                      "the units 元, 万元."),
    ({"numerical": "12,5"}, "Question 2: write a number"),
    ({"essay": "x" * 51}, "Question 6: the answer is longer than 50 characters."),
    ({"matching": {"0123456789ab": ""}}, "The answers do not match this attempt"),
    ({"single": "not a list"}, "The answers do not match this attempt"),
    ({"essay": ["two", "texts"]}, "The answers do not match this attempt"),
])
def test_bad_answers_are_a_422_and_change_nothing(client, db, headers, answer, message):
    make_course(db, "K-203", quiz_toml=KINDS_QUIZ_TOML)
    db.commit()
    attempt = start(client, headers, "K-203")
    answers = kinds_answers(attempt)
    questions = {q["kind"]: q["id"] for q in attempt["questions"]}
    for kind, value in answer.items():
        answers[questions[kind]] = value
    res = client.post(f"{API}/attempts/{attempt['id']}/submission", headers=headers, json={"answers": answers})
    assert res.status_code == 422 and message in conforms(res.get_json(), "Error")["message"]
    assert count(db, AttemptAnswer) == 0
    db.rollback()
    assert db.get(QuizAttempt, attempt["id"]).submitted_at is None
    db.rollback()


# ---- the review matrix -------------------------------------------------------------------

SITUATIONS = ("failed, attempts left", "failed, last attempt", "passed", "late, attempts left", "empty, attempts left")
FINISHED = {"failed, last attempt", "passed"}


def shown(result: dict) -> dict[str, bool]:
    questions = result["questions"]
    return {
        "score": result["score"] is not None and result["points_earned"] is not None,
        "correctness": all(q["is_correct"] is not None and q["points_earned"] is not None for q in questions),
        "right_answers": all(q["correct_options"] is not None for q in questions),
        "feedback": all(q["feedback_html"] is not None for q in questions),
    }


@pytest.mark.parametrize("when", ["immediately", "when_finished", "never"])
@pytest.mark.parametrize("situation", SITUATIONS)
def test_results_follow_the_review_options(app, client, db, headers, when, situation):
    app.config["NOW"] = lambda: NOW
    review = "\n".join(f'{item} = "{when}"' for item in ("score", "correctness", "right_answers", "feedback"))
    course = make_course(db, "R-201", attempts=1 if situation == "failed, last attempt" else 3,
                         quiz_extra=f"time_limit_minutes = 10\n[review]\n{review}")
    db.commit()
    attempt = start(client, headers, "R-201")
    layout = layout_of(db, attempt["id"])
    if situation.startswith("late"):
        app.config["NOW"] = lambda: NOW + timedelta(minutes=11)
    answers = ({} if situation.startswith("empty") else
               by_token(layout, correct_answers(course) if situation in ("passed", "late, attempts left")
                        else wrong_answers(course)))
    res = client.post(f"{API}/attempts/{attempt['id']}/submission", headers=headers, json={"answers": answers})
    assert res.status_code == 200
    expected = when == "immediately" or (when == "when_finished" and situation in FINISHED)
    for body in (res.get_json()["attempt"], client.get(f"{API}/attempts/{attempt['id']}", headers=headers).get_json()):
        result = conforms(body, "AttemptResult")
        assert shown(result) == dict.fromkeys(("score", "correctness", "right_answers", "feedback"), expected)
        assert result["review"] == dict.fromkeys(("score", "correctness", "right_answers", "feedback"), expected)
        assert result["passed"] is (situation == "passed")
    enrolment = conforms(client.get(f"{API}/courses/R-201/enrolment", headers=headers).get_json(), "Enrolment")
    assert (enrolment["attempts"][0]["score"] is not None) == expected
    detail = conforms(client.get(f"{API}/courses/R-201", headers=headers).get_json(), "CourseDetail")
    assert detail["quiz"]["review"] == dict.fromkeys(("score", "correctness", "right_answers", "feedback"), when)


def test_a_failed_attempt_no_longer_hands_out_the_key(client, db, headers):
    """The default review options: score and right/wrong at once, the key and the
    feedback only after a pass or the last attempt (a second attempt used to score 100)."""
    course = make_course(db, "R-202", attempts=3)
    db.commit()
    attempt = start(client, headers, "R-202")
    res = client.post(f"{API}/attempts/{attempt['id']}/submission", headers=headers,
                      json={"answers": by_token(layout_of(db, attempt["id"]), wrong_answers(course))})
    result = res.get_json()["attempt"]
    assert shown(result) == {"score": True, "correctness": True, "right_answers": False, "feedback": False}
    assert all(o["is_correct"] is None for q in result["questions"] for o in q["options"])
