"""Assessment in the browser (issue 11): every question kind answered with plain
forms, graded on the server with partial credit; essays wait for a person and
leave the pass undecided; bad input is refused with a 422 that keeps the
answers and changes nothing; what the result page shows follows the quiz's
review options (the matrix), for failed, last, passed, late and empty attempts."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.learn.models import AttemptAnswer, CourseCompletion, QuizAttempt
from tests import builders
from tests.builders import KINDS_QUIZ_TOML, NOW
from tests.web.helpers import attempt_id_from, form_answers, layout_of, login, text


def kinds_course(build, code: str, **kwargs) -> dict:
    """The kinds quiz; returns the question and option ids by what they are."""
    def create(session):
        course = builders.make_course(session, code, lessons=1, quiz_toml=KINDS_QUIZ_TOML, **kwargs)
        questions = {q.kind: q for q in course.quiz.questions}
        options = {(q.kind, o.text_md): o.id for q in questions.values() for o in q.options if o.text_md}
        for o in reversed(questions["matching"].options):  # an answer stands for the first pair that has it
            options[("answer", o.match_text)] = o.id
        return {"course_id": course.id, "questions": {k: q.id for k, q in questions.items()}, "options": options}

    return build(create)


def fields_for(layout: list, info: dict, answers: dict) -> dict:
    """Form fields for {kind: answer}: option texts (choices), text (typed), {item: answer text} (matching)."""
    entries = {e["q"]: e for e in layout}
    form = {}
    for kind, answer in answers.items():
        entry = entries[info["questions"][kind]]
        tokens = {oid: token for oid, token in entry["o"]}
        if kind == "matching":
            choices = {oid: token for oid, token in entry["c"]}
            for item, match in answer.items():
                form[f"q-{entry['t']}-{tokens[info['options'][(kind, item)]]}"] = (
                    choices[info["options"][("answer", match)]] if match else "")
        elif isinstance(answer, list):
            form[f"q-{entry['t']}"] = [tokens[info["options"][(kind, o)]] for o in answer]
        else:
            form[f"q-{entry['t']}"] = answer
    return form


RIGHT_BUT_ESSAY = {"short_answer": " PEKING ", "numerical": "0.3 万元",
                   "matching": {"Pension": "养老", "Medical": "医疗"}, "single": ["half"],
                   "multiple": ["Pension scheme"], "essay": "我们的经办处有 12 名工作人员。"}


def counts(query):
    return query(lambda s: {m.__name__: s.scalar(select(func.count()).select_from(m))
                            for m in (QuizAttempt, AttemptAnswer, CourseCompletion)})


def start(client, code: str) -> int:
    return attempt_id_from(client.post(f"/courses/{code}/quiz/start"))


def test_every_kind_is_answered_with_plain_forms_and_graded_with_partial_credit(client, make_user, build, enrol,
                                                                                 query):
    username = make_user(language="en")
    info = kinds_course(build, "K-101", pass_mark=50)
    enrol(username, "K-101")
    login(client, username)
    attempt_id = start(client, "K-101")
    page = text(client.get(f"/attempts/{attempt_id}"))
    layout = layout_of(query, attempt_id)
    entries = {e["q"]: e for e in layout}
    matching = entries[info["questions"]["matching"]]
    assert len(re.findall(r'<select name="q-[0-9a-f]{12}-[0-9a-f]{12}"', page)) == 2
    assert all(f'<option value="{token}">' in page for _oid, token in matching["c"])
    assert "养老" in page and "生育" in page  # the answers, distractor included
    assert 'maxlength="50"' in page and "<textarea" in page
    assert "元, 万元" in page  # the units a number may carry
    assert not re.search(r'value="\d{1,11}"', page)  # no database id anywhere in the form

    response = client.post(f"/attempts/{attempt_id}", data=fields_for(layout, info, RIGHT_BUT_ESSAY))
    assert response.status_code == 302
    result = text(client.get(f"/attempts/{attempt_id}"))
    # 0.5 + 1 + 1 + 0.5 + 0.5 of 6, the essay waiting.
    assert "Score: 58.3% (3.5 of 6 points)" in result
    assert "Awaiting grading: an answer is graded by a person" in result
    assert "Partly correct (0.5 of 1 points)" in result
    assert "我们的经办处有 12 名工作人员。" in result and "PEKING" in result
    attempt = query(lambda s: s.get(QuizAttempt, attempt_id))
    assert (attempt.points_earned, attempt.points_possible, attempt.passed) == (3.5, 6, None)
    states = query(lambda s: dict(s.execute(select(AttemptAnswer.question_id, AttemptAnswer.state)).all()))
    assert states[info["questions"]["essay"]] == "awaiting_grading"
    assert list(states.values()).count("graded") == 5
    assert "Awaiting grading" in text(client.get("/courses/K-101/quiz"))
    client.post("/courses/K-101/lessons/lesson-1/done")
    assert counts(query)["CourseCompletion"] == 0  # undecided is not passed


def test_an_empty_essay_is_graded_zero_and_the_quiz_can_pass(client, make_user, build, enrol, query):
    username = make_user(language="en")
    info = kinds_course(build, "K-102", pass_mark=50)
    enrol(username, "K-102")
    login(client, username)
    client.post("/courses/K-102/lessons/lesson-1/done")
    attempt_id = start(client, "K-102")
    answers = {**RIGHT_BUT_ESSAY, "short_answer": "北京", "essay": "   "}
    client.post(f"/attempts/{attempt_id}", data=fields_for(layout_of(query, attempt_id), info, answers))
    attempt = query(lambda s: s.get(QuizAttempt, attempt_id))
    assert (attempt.points_earned, attempt.passed) == (4.0, True)
    assert counts(query)["CourseCompletion"] == 1


@pytest.mark.parametrize("case, answers, message", [
    ("not a number", {"numerical": "three thousand"}, "Question 2: write a number (such as 1234.5), optionally "
                                                       "followed by one of the units 元, 万元."),
    ("an over-long essay", {"essay": "字" * 51}, "Question 6: the answer is longer than 50 characters."),
    ("an over-long short answer", {"short_answer": "x" * 501}, "Question 1: the answer is longer than 500 characters."),
    ("two options of a single choice", {"single": ["full", "half"]}, "Choose only one answer"),
])
def test_bad_input_is_refused_with_the_answers_kept(client, make_user, build, enrol, query, case, answers, message):
    username = make_user(language="en")
    info = kinds_course(build, "K-103")
    enrol(username, "K-103")
    login(client, username)
    attempt_id = start(client, "K-103")
    layout = layout_of(query, attempt_id)
    sent = fields_for(layout, info, {**RIGHT_BUT_ESSAY, **answers})
    response = client.post(f"/attempts/{attempt_id}", data=sent)
    assert response.status_code == 422, case
    page = text(response)
    assert message in page and "Nothing was submitted; your answers are below." in page
    assert "我们的经办处有 12 名工作人员。" in page or case == "an over-long essay"  # what was typed comes back
    assert counts(query) == {"QuizAttempt": 1, "AttemptAnswer": 0, "CourseCompletion": 0}
    assert query(lambda s: s.get(QuizAttempt, attempt_id).submitted_at) is None
    assert query(lambda s: s.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "quiz_submission_refused"))) == 1


def test_fields_that_name_nothing_in_the_attempt_are_refused(client, make_user, build, enrol, query):
    username = make_user(language="en")
    kinds_course(build, "K-104")
    enrol(username, "K-104")
    login(client, username)
    attempt_id = start(client, "K-104")
    for form in ({"q-0123456789ab": "x"}, {"q-" + "f" * 40: "x"}, {"q-1": "1"}):
        response = client.post(f"/attempts/{attempt_id}", data=form)
        assert response.status_code == 422 and "do not match this attempt" in text(response)
    assert counts(query)["AttemptAnswer"] == 0


# ---- the review matrix -------------------------------------------------------------------

SITUATIONS = ("failed, attempts left", "failed, last attempt", "passed", "late, attempts left", "empty, attempts left")
FINISHED = {"failed, last attempt", "passed"}
# What each review item shows on the builders' quiz (the first question: "Fifteen years." is its
# feedback, "Too few." the feedback of its wrong option, "Right." of its right one).
MARKERS = {
    "score": ["Score: "],
    "correctness": ["✓ Correct", "✗ Not correct"],
    "right_answers": ["(correct answer)"],
    "feedback": ["Fifteen years.", "Too few.", "Right."],
}


def take(app, client, query, course, code: str, situation: str) -> int:
    attempt_id = start(client, code)
    if situation.startswith("late"):
        app.config["NOW"] = lambda: NOW + timedelta(minutes=11)
        answers = form_answers(query, attempt_id, course.correct)
    elif situation.startswith("empty"):
        answers = {}
    else:
        answers = form_answers(query, attempt_id, course.correct if situation == "passed" else course.wrong)
    assert client.post(f"/attempts/{attempt_id}", data=answers).status_code == 302
    return attempt_id


def shown(page: str) -> dict[str, bool]:
    return {item: any(marker in page for marker in markers) for item, markers in MARKERS.items()}


@pytest.mark.parametrize("when", ["immediately", "when_finished", "never"])
@pytest.mark.parametrize("situation", SITUATIONS)
def test_the_result_page_follows_the_review_options(app, client, make_user, make_course, enrol, query, when,
                                                    situation):
    app.config["NOW"] = lambda: NOW
    username = make_user(language="en")
    review = "\n".join(f'{item} = "{when}"' for item in MARKERS)
    course = make_course("R-101", attempts=1 if situation == "failed, last attempt" else 3,
                         quiz_extra=f"time_limit_minutes = 10\n[review]\n{review}")
    enrol(username, "R-101")
    login(client, username)
    attempt_id = take(app, client, query, course, "R-101", situation)
    page = text(client.get(f"/attempts/{attempt_id}"))
    expected = when == "immediately" or (when == "when_finished" and situation in FINISHED)
    got = shown(page)
    # "empty" has no chosen option, so no option feedback, but the question's own feedback shows.
    assert got == dict.fromkeys(MARKERS, expected), (situation, when, got)
    assert ("Passed" in page) == (situation == "passed")  # pass or fail is always told
    score_column = text(client.get("/courses/R-101/quiz"))
    assert bool(re.search(r"<td>\d+\.\d%</td>", score_column)) == expected


def test_review_items_are_independent(app, client, make_user, make_course, enrol, query):
    username = make_user(language="en")
    review = 'score = "never"\ncorrectness = "immediately"\nright_answers = "never"\nfeedback = "immediately"'
    course = make_course("R-102", attempts=3, quiz_extra=f"[review]\n{review}")
    enrol(username, "R-102")
    login(client, username)
    attempt_id = take(app, client, query, course, "R-102", "failed, attempts left")
    assert shown(text(client.get(f"/attempts/{attempt_id}"))) == {
        "score": False, "correctness": True, "right_answers": False, "feedback": True}


def test_by_default_the_key_waits_for_a_pass_or_the_last_attempt(app, client, make_user, make_course, enrol, query):
    """Score and right/wrong at once; right answers and feedback only once finished: a
    failed attempt no longer hands out the key for the next one."""
    username = make_user(language="en")
    course = make_course("R-103", attempts=2)
    enrol(username, "R-103")
    login(client, username)
    first = take(app, client, query, course, "R-103", "failed, attempts left")
    assert shown(text(client.get(f"/attempts/{first}"))) == {
        "score": True, "correctness": True, "right_answers": False, "feedback": False}
    assert "shown once you have passed the quiz or have no attempt left" in text(client.get(f"/attempts/{first}"))
    second = start(client, "R-103")  # open: even the first attempt's key stays hidden
    assert shown(text(client.get(f"/attempts/{first}")))["right_answers"] is False
    client.post(f"/attempts/{second}", data=form_answers(query, second, course.wrong))
    for attempt_id in (first, second):  # no attempt left: everything
        assert all(shown(text(client.get(f"/attempts/{attempt_id}"))).values())
