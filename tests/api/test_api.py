"""The JSON API: the learner journey over bearer tokens, quiz integrity,
authentication, errors and the OpenAPI document."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.auth.services import create_api_token, deactivate_user
from lms.learn.models import AttemptAnswer, CourseCompletion, Enrolment, LessonCompletion, QuizAttempt
from tests.api.conftest import bearer, leaked_key_names
from tests.builders import NOW, PASSWORD, by_token, correct_answers, make_course, make_user, wrong_answers

API = "/api/v1"


def layout_of(db, attempt_id: int) -> list:
    """The attempt's layout, read from the database (the key of its tokens, never sent to the client)."""
    db.rollback()
    try:
        return db.get(QuizAttempt, attempt_id).layout
    finally:
        db.rollback()


def answers_json(db, attempt: dict, course) -> dict[str, list[str]]:
    return by_token(layout_of(db, attempt["id"]), correct_answers(course))


def wrong_answers_json(db, attempt: dict, course) -> dict[str, list[str]]:
    return by_token(layout_of(db, attempt["id"]), wrong_answers(course))


def count(db, model, *where) -> int:
    """Counted in a fresh transaction, ended at once: the test session must not
    hold a snapshot (or SQLite's write lock) while the app works."""
    db.rollback()
    try:
        return db.scalar(select(func.count()).select_from(model).where(*where))
    finally:
        db.rollback()


def attempt_row(db, attempt_id: int) -> tuple:
    db.rollback()
    try:
        row = db.get(QuizAttempt, attempt_id)
        return row.submitted_at, row.score, row.passed
    finally:
        db.rollback()


def start(client, headers, code="T-101"):
    client.post(f"{API}/courses/{code}/enrolment", headers=headers)
    res = client.post(f"{API}/courses/{code}/quiz/attempts", headers=headers)
    assert res.status_code in (200, 201), res.get_json()
    return res.get_json()


# ---- the journey -------------------------------------------------------------------

def test_full_learner_journey(client, db, headers):
    course = make_course(db, "T-101", lessons=2)
    db.commit()

    listed = client.get(f"{API}/courses", headers=headers).get_json()
    assert [c["code"] for c in listed["courses"]] == ["T-101"]

    detail = client.get(f"{API}/courses/T-101", headers=headers).get_json()
    slugs = [lesson["slug"] for lesson in detail["lessons"]]
    assert slugs == ["lesson-1", "lesson-2"]
    assert detail["quiz"]["pass_mark"] == 60
    assert not leaked_key_names(detail) and "questions" not in detail["quiz"]

    res = client.post(f"{API}/courses/T-101/enrolment", headers=headers)
    assert res.status_code == 201
    assert res.get_json()["progress"]["percent"] == 0
    assert res.get_json()["source"] == "api"
    assert client.post(f"{API}/courses/T-101/enrolment", headers=headers).status_code == 200
    assert count(db, Enrolment) == 1

    for slug in slugs:
        lesson = client.get(f"{API}/courses/T-101/lessons/{slug}", headers=headers)
        assert lesson.status_code == 200
        assert "<h" in lesson.get_json()["body_html"] or "<p>" in lesson.get_json()["body_html"]
        done = client.post(f"{API}/courses/T-101/lessons/{slug}/completion", headers=headers)
        assert done.status_code == 200
        assert done.get_json()["course_completed"] is False  # the quiz is still to pass
    again = client.post(f"{API}/courses/T-101/lessons/{slugs[0]}/completion", headers=headers)
    assert again.status_code == 200
    assert again.get_json()["progress"]["lessons_done"] == 2
    assert count(db, LessonCompletion) == 2

    started = client.post(f"{API}/courses/T-101/quiz/attempts", headers=headers)
    assert started.status_code == 201
    attempt = started.get_json()
    assert attempt["number"] == 1 and attempt["status"] == "open"
    answers = answers_json(db, attempt, course)
    assert {q["id"] for q in attempt["questions"]} == set(answers)
    resumed = client.post(f"{API}/courses/T-101/quiz/attempts", headers=headers)
    assert resumed.status_code == 200 and resumed.get_json()["id"] == attempt["id"]

    res = client.post(f"{API}/attempts/{attempt['id']}/submission", json={"answers": answers}, headers=headers)
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["attempt"]["score"] == 100.0 and body["attempt"]["passed"] is True
    assert body["course_completed"] is True
    assert body["progress"]["completed"] is True and body["progress"]["percent"] == 100
    assert all(q["is_correct"] for q in body["attempt"]["questions"])

    result = client.get(f"{API}/attempts/{attempt['id']}", headers=headers).get_json()
    assert result["status"] == "submitted"
    for question in result["questions"]:
        assert sorted(question["correct_options"]) == sorted(answers[question["id"]])
    assert result["questions"][0]["feedback_html"]

    enrolment = client.get(f"{API}/courses/T-101/enrolment", headers=headers).get_json()
    assert enrolment["progress"]["completed"] is True
    assert enrolment["completed_lessons"] == slugs
    assert [a["score"] for a in enrolment["attempts"]] == [100.0]

    mine = client.get(f"{API}/me/learning", headers=headers).get_json()
    assert [e["course"]["code"] for e in mine["enrolments"]] == ["T-101"]
    assert [(c["course_code"], c["score"]) for c in mine["completions"]] == [("T-101", 100.0)]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", mine["completions"][0]["completed_at"])
    assert count(db, CourseCompletion) == 1


def test_me(client, learner, headers):
    body = client.get(f"{API}/me", headers=headers).get_json()
    assert body["username"] == "api-learner"
    assert body["roles"] == ["learner"]
    assert body["created_at"].endswith("Z")
    assert "password_hash" not in body


# ---- catalogue ---------------------------------------------------------------------

def test_catalogue_filters_and_matrix(client, db):
    make_course(db, "T-101", skill_type="social-security", target_level="information", schemes=("pension",))
    make_course(db, "T-201", title="Excel 表格", skill_type="transversal", target_level="capacity",
                schemes=("medical",), audience=("manager",), language="en")
    db.commit()

    def codes(query: str = "") -> list[str]:
        res = client.get(f"{API}/courses{query}")
        assert res.status_code == 200
        return [c["code"] for c in res.get_json()["courses"]]

    assert codes() == ["T-101", "T-201"]
    assert codes("?skill_type=transversal") == ["T-201"]
    assert codes("?target_level=information") == ["T-101"]
    assert codes("?scheme=medical") == ["T-201"]
    assert codes("?audience=staff") == ["T-101"]
    assert codes("?language=en") == ["T-201"]
    assert codes("?q=Excel") == ["T-201"]
    assert codes("?q=%25") == []  # a wildcard is a literal
    bad = client.get(f"{API}/courses?skill_type=cooking")
    assert bad.status_code == 400 and "skill_type" in bad.get_json()["message"]

    matrix = client.get(f"{API}/catalog/matrix").get_json()
    assert len(matrix["cells"]) == 9 and matrix["total"] == 2
    cell = next(c for c in matrix["cells"] if c["skill_type"] == "transversal" and c["target_level"] == "capacity")
    assert cell["count"] == 1


def test_unpublished_and_unknown_courses_are_404(client, db, headers):
    course = make_course(db, "T-101")
    course.status = "draft"
    db.commit()
    for path in ("/courses/T-101", "/courses/NOPE", "/courses/bad%20code"):
        res = client.get(API + path)
        assert res.status_code == 404 and res.get_json()["error"] == "not found"
    assert client.post(f"{API}/courses/T-101/enrolment", headers=headers).status_code == 404


# ---- enrolment and lessons -----------------------------------------------------------

def test_enrolment_is_per_learner(client, db, headers):
    make_course(db, "T-101")
    db.commit()
    assert client.get(f"{API}/courses/T-101/enrolment", headers=headers).status_code == 404
    res = client.get(f"{API}/courses/T-101/lessons/lesson-1", headers=headers)
    assert res.status_code == 403 and res.get_json()["message"]
    assert client.post(f"{API}/courses/T-101/lessons/lesson-1/completion", headers=headers).status_code == 403
    assert client.post(f"{API}/courses/T-101/quiz/attempts", headers=headers).status_code == 403
    assert count(db, LessonCompletion) == 0 and count(db, QuizAttempt) == 0
    client.post(f"{API}/courses/T-101/enrolment", headers=headers)
    assert client.get(f"{API}/courses/T-101/lessons/nope", headers=headers).status_code == 404
    lesson = client.get(f"{API}/courses/T-101/lessons/lesson-1", headers=headers).get_json()
    assert lesson["next_slug"] == "lesson-2" and lesson["previous_slug"] is None and lesson["completed"] is False


# ---- quiz integrity ----------------------------------------------------------------------

def test_no_answer_key_before_submission(client, db, headers):
    make_course(db, "T-101", quiz_extra="shuffle_questions = true\nshuffle_options = true")
    db.commit()
    attempt = start(client, headers)
    assert attempt["questions"] and all(q["options"] for q in attempt["questions"])
    assert leaked_key_names(attempt) == set()
    fetched = client.get(f"{API}/attempts/{attempt['id']}", headers=headers).get_json()
    assert leaked_key_names(fetched) == set()
    assert [q["id"] for q in fetched["questions"]] == [q["id"] for q in attempt["questions"]]  # drawn order kept
    enrolment = client.get(f"{API}/courses/T-101/enrolment", headers=headers).get_json()
    assert leaked_key_names(enrolment) == set()


def test_client_sent_score_is_ignored(client, db, headers):
    course = make_course(db, "T-101")
    db.commit()
    attempt = start(client, headers)
    res = client.post(f"{API}/attempts/{attempt['id']}/submission", headers=headers,
                      json={"answers": wrong_answers_json(db, attempt, course), "score": 100, "passed": True,
                            "points_earned": 99})
    assert res.status_code == 200
    graded = res.get_json()["attempt"]
    assert graded["score"] == 0.0 and graded["passed"] is False and graded["points_earned"] == 0
    assert attempt_row(db, attempt["id"])[1:] == (0.0, False)


def test_unanswered_counts_as_wrong(client, db, headers):
    make_course(db, "T-101")
    db.commit()
    attempt = start(client, headers)
    res = client.post(f"{API}/attempts/{attempt['id']}/submission", headers=headers, json={"answers": {}})
    assert res.status_code == 200 and res.get_json()["attempt"]["score"] == 0.0


def test_replayed_submission_is_refused_and_changes_nothing(client, db, headers):
    course = make_course(db, "T-101", lessons=1)
    db.commit()
    n_questions = len(course.quiz.questions)
    attempt = start(client, headers)
    right, wrong = answers_json(db, attempt, course), wrong_answers_json(db, attempt, course)
    url = f"{API}/attempts/{attempt['id']}/submission"
    first = client.post(url, headers=headers, json={"answers": wrong})
    assert first.status_code == 200
    before = client.get(f"{API}/attempts/{attempt['id']}", headers=headers).get_json()

    replay = client.post(url, headers=headers, json={"answers": right})
    assert replay.status_code == 409
    assert "already" in replay.get_json()["message"]
    after = client.get(f"{API}/attempts/{attempt['id']}", headers=headers).get_json()
    before.pop("server_time"), after.pop("server_time")
    assert after == before and after["score"] == 0.0
    assert count(db, AttemptAnswer) == n_questions
    assert count(db, CourseCompletion) == 0
    assert count(db, AuditEvent, AuditEvent.action == "quiz_submission_refused") == 1


def test_oversized_submission_is_413(client, db, headers):
    make_course(db, "T-101")
    db.commit()
    attempt = start(client, headers)
    res = client.post(f"{API}/attempts/{attempt['id']}/submission", headers=headers,
                      data=b" " * (26 * 1024 * 1024), content_type="application/json")
    assert res.status_code == 413 and res.is_json
    assert attempt_row(db, attempt["id"]) == (None, None, None)


def test_the_server_clock_decides_the_deadline(app, client, db, headers):
    course = make_course(db, "T-101", quiz_extra="time_limit_minutes = 10")
    db.commit()
    app.config["NOW"] = lambda: NOW
    attempt = start(client, headers)
    right = answers_json(db, attempt, course)
    assert attempt["deadline_at"] == "2026-03-02T09:10:00Z" and attempt["server_time"] == "2026-03-02T09:00:00Z"
    app.config["NOW"] = lambda: NOW + timedelta(minutes=11)
    assert client.get(f"{API}/attempts/{attempt['id']}", headers=headers).get_json()["status"] == "expired"
    res = client.post(f"{API}/attempts/{attempt['id']}/submission", headers=headers, json={"answers": right})
    assert res.status_code == 200
    body = res.get_json()
    assert body["late"] is True and body["attempt"]["score"] == 0.0 and body["course_completed"] is False


def test_no_attempts_left_is_409(client, db, headers):
    course = make_course(db, "T-101", attempts=1)
    db.commit()
    attempt = start(client, headers)
    client.post(f"{API}/attempts/{attempt['id']}/submission", headers=headers,
                json={"answers": wrong_answers_json(db, attempt, course)})
    res = client.post(f"{API}/courses/T-101/quiz/attempts", headers=headers)
    assert res.status_code == 409 and "attempts" in res.get_json()["message"]
    assert count(db, QuizAttempt) == 1


def test_malformed_submissions_are_refused_and_change_nothing(client, db, headers):
    course = make_course(db, "T-101")
    make_course(db, "T-102")
    db.commit()
    theirs = start(client, headers, "T-102")  # another attempt of the same learner: its tokens are not this one's
    attempt = start(client, headers)
    url = f"{API}/attempts/{attempt['id']}/submission"
    q1, q2 = attempt["questions"][0], attempt["questions"][1]
    single = next(q for q in attempt["questions"] if q["kind"] == "single")
    foreign = theirs["questions"][0]
    right = answers_json(db, attempt, course)
    db_question = course.quiz.questions[0]
    cases = [
        (client.post(url, headers=headers, data="{not json", content_type="application/json"), 400),
        (client.post(url, headers=headers, data="answers=1", content_type="application/x-www-form-urlencoded"), 400),
        (client.post(url, headers=headers, json=[1, 2]), 422),
        (client.post(url, headers=headers, json={"score": 100}), 422),
        (client.post(url, headers=headers, json={"answers": [1]}), 422),
        (client.post(url, headers=headers, json={"answers": {"abc": [1]}}), 422),
        (client.post(url, headers=headers, json={"answers": {q1["id"]: 1}}), 422),
        (client.post(url, headers=headers, json={"answers": {q1["id"]: [True]}}), 422),
        (client.post(url, headers=headers, json={"answers": {q1["id"]: [2**70]}}), 422),
        # Database ids, as the API once took, name nothing in an attempt.
        (client.post(url, headers=headers, json={"answers": {str(db_question.id): [str(db_question.options[0].id)]}}),
         422),
        # Tokens of another attempt.
        (client.post(url, headers=headers, json={"answers": {foreign["id"]: [foreign["options"][0]["id"]]}}), 422),
        (client.post(url, headers=headers, json={"answers": {q1["id"]: [foreign["options"][0]["id"]]}}), 422),
        (client.post(url, headers=headers, json={"answers": {q1["id"]: [q2["options"][0]["id"]]}}), 422),
        (client.post(url, headers=headers, json={"answers": {single["id"]: [o["id"] for o in single["options"]]}}), 422),
        (client.post(url, headers=headers, json={"answers": {single["id"]: {"a": "b"}}}), 422),
    ]
    for res, status in cases:
        assert res.status_code == status, res.get_json()
        assert res.get_json()["message"]
    assert attempt_row(db, attempt["id"]) == (None, None, None)
    assert count(db, AttemptAnswer) == 0
    ok = client.post(url, headers=headers, json={"answers": right})
    assert ok.status_code == 200 and ok.get_json()["attempt"]["score"] == 100.0


def test_another_learners_attempt_is_404(client, db, headers):
    course = make_course(db, "T-101")
    db.commit()
    attempt = start(client, headers)
    intruder = make_user(db, username="intruder")
    intruder_headers = bearer(create_api_token(db, user=intruder, now=NOW))
    db.commit()
    assert client.get(f"{API}/attempts/{attempt['id']}", headers=intruder_headers).status_code == 404
    res = client.post(f"{API}/attempts/{attempt['id']}/submission", headers=intruder_headers,
                      json={"answers": answers_json(db, attempt, course)})
    assert res.status_code == 404
    assert client.get(f"{API}/attempts/{attempt['id'] + 1000}", headers=headers).status_code == 404
    assert client.get(f"{API}/attempts/{2**64}", headers=headers).status_code == 404
    assert attempt_row(db, attempt["id"])[0] is None


# ---- authentication ----------------------------------------------------------------------

PROTECTED = [("get", "/me"), ("get", "/me/learning"), ("post", "/courses/T-101/enrolment"),
             ("get", "/courses/T-101/enrolment"), ("get", "/courses/T-101/lessons/lesson-1"),
             ("post", "/courses/T-101/lessons/lesson-1/completion"), ("post", "/courses/T-101/quiz/attempts"),
             ("get", "/attempts/1"), ("post", "/attempts/1/submission")]


def assert_401(res):
    assert res.status_code == 401
    assert res.is_json and res.get_json()["error"] == "authentication required"
    assert res.headers["WWW-Authenticate"].startswith("Bearer")


def test_401_without_or_with_a_bad_token(app, client, db, learner):
    app.config["LOGIN_MAX_FAILURES"] = 1000  # many bad tokens from one address here; throttling is tested apart
    make_course(db, "T-101")
    db.commit()
    token = learner[1]
    for method, path in PROTECTED:
        call = getattr(client, method)
        assert_401(call(API + path))
        assert_401(call(API + path, headers={"Authorization": "Bearer lms_not-a-real-token"}))
        assert_401(call(API + path, headers={"Authorization": f"Basic {token}"}))
        assert_401(call(API + path, headers={"Authorization": "Bearer "}))
        assert_401(call(API + path, headers={"Authorization": "Bearer " + "x" * 5000}))
    assert count(db, Enrolment) == 0
    # Public routes answer without a token, but a wrong token is never silently ignored.
    assert client.get(f"{API}/courses").status_code == 200
    assert_401(client.get(f"{API}/courses", headers={"Authorization": "Bearer nope"}))


def test_login_cookie_does_not_authenticate_the_api(client, db, learner):
    user, _token = learner
    res = client.post("/auth/login", data={"username": "api-learner", "password": PASSWORD})
    assert res.status_code == 302
    assert client.get("/my").status_code == 200  # the cookie works for the HTML pages
    assert_401(client.get(f"{API}/me"))
    assert_401(client.post(f"{API}/courses/T-101/enrolment"))


def test_inactive_users_tokens_are_refused(client, db, learner, headers):
    user, _token = learner
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    user.status = "deactivated"  # even if the token row were left behind
    db.commit()
    assert_401(client.get(f"{API}/me", headers=headers))
    pending = make_user(db, username="pending", status="pending")
    pending_headers = bearer(create_api_token(db, user=pending, now=NOW))
    db.commit()
    assert_401(client.get(f"{API}/me", headers=pending_headers))


def test_deactivation_revokes_tokens(client, db, learner, headers):
    user, _token = learner
    deactivate_user(db, user=user)
    user.status = "active"  # reactivated later: the old token stays dead
    db.commit()
    assert_401(client.get(f"{API}/me", headers=headers))


# ---- errors --------------------------------------------------------------------------------

def test_errors_are_json(client, headers):
    res = client.get(f"{API}/no-such-route", headers=headers)
    assert res.status_code == 404 and res.is_json and res.get_json()["error"] == "not found"
    res = client.delete(f"{API}/me", headers=headers)
    assert res.status_code == 405 and res.is_json
    assert "GET" in res.headers["Allow"]
    assert client.get(f"{API}/me", headers=headers).headers["Cache-Control"] == "no-store"


def test_every_api_route_declares_its_access_rule(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            view = app.view_functions[rule.endpoint]
            assert getattr(view, "access_rule", None), f"{rule.rule} has no permission decorator"
