"""The learner's journey through the browser: enrol, lessons, quiz, result,
My learning; and what a learner must never see or reach."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.learn.models import CourseCompletion, Enrolment, LessonCompletion, QuizAttempt
from tests.web.helpers import attempt_id_from, form_answers, layout_of, location, login, text

# Feedback and answer-key markers of the builders' quiz (see tests/builders.py).
FEEDBACK = ["Fifteen years.", "Right.", "Too few."]
KEY_MARKERS = ["(correct answer)", "keymark", 'class="key', "is_correct", "data-correct"]


def counts(query):
    return query(lambda s: {m.__name__: s.scalar(select(func.count()).select_from(m))
                            for m in (Enrolment, LessonCompletion, QuizAttempt, CourseCompletion)})


def test_whole_journey(client, make_user, make_course, query):
    username = make_user(language="en")
    course = make_course("J-101", title="养老保险入门", lessons=2)
    assert login(client, username).status_code == 302

    page = text(client.get("/courses/J-101"))
    assert 'action="/courses/J-101/enrol"' in page
    response = client.post("/courses/J-101/enrol")
    assert response.status_code == 302
    assert location(response) == "/courses/J-101/lessons/lesson-1"

    for n, slug in enumerate(course.lesson_slugs, start=1):
        lesson = client.get(f"/courses/J-101/lessons/{slug}")
        assert lesson.status_code == 200
        body = text(lesson)
        assert f"第{n}课" in body and "社会统筹与个人账户相结合" in body
        assert f'action="/courses/J-101/lessons/{slug}/done"' in body
        assert "Mark as done" in body
        done = client.post(f"/courses/J-101/lessons/{slug}/done")
        assert done.status_code == 302
        if n < len(course.lesson_slugs):
            assert location(done) == f"/courses/J-101/lessons/{course.lesson_slugs[n]}"
        else:
            assert location(done) == "/courses/J-101/quiz"
        assert "You have done this lesson." in text(client.get(f"/courses/J-101/lessons/{slug}"))

    page = text(client.get("/courses/J-101"))
    assert "2 of 2 lessons done" in page and "quiz not passed yet" in page
    assert "Completed on" not in page

    quiz = client.get("/courses/J-101/quiz")
    assert quiz.status_code == 200 and "Start the quiz" in text(quiz)
    started = client.post("/courses/J-101/quiz/start")
    attempt_id = attempt_id_from(started)
    form = text(client.get(f"/attempts/{attempt_id}"))
    for entry in layout_of(query, attempt_id):
        assert f'name="q-{entry["t"]}"' in form
    for qid in course.correct:
        assert f'name="q{qid}"' not in form and f'name="q-{qid}"' not in form

    submitted = client.post(f"/attempts/{attempt_id}", data=form_answers(query, attempt_id, course.correct))
    assert submitted.status_code == 302 and location(submitted) == f"/attempts/{attempt_id}"
    result = text(client.get(f"/attempts/{attempt_id}"))
    assert "Score: 100.0% (3 of 3 points)" in result
    assert "Passed" in result
    assert "Course completed. Well done!" in result  # the flash after the submission

    page = text(client.get("/courses/J-101"))
    assert "Completed on" in page and "score 100%" in page
    assert "2 of 2 lessons done · quiz passed · 100%" in page

    my = text(client.get("/my"))
    completed_section = my.split(">Completed</h2>", 1)[1]
    in_progress_section = my.split(">Completed</h2>", 1)[0].split(">In progress</h2>", 1)[1]
    assert "养老保险入门" in completed_section
    assert "100.0%" in completed_section
    assert "养老保险入门" not in in_progress_section
    assert counts(query) == {"Enrolment": 1, "LessonCompletion": 2, "QuizAttempt": 1, "CourseCompletion": 1}


def test_course_without_quiz_completes_on_the_last_lesson(client, make_user, make_course):
    username = make_user(language="en")
    make_course("J-102", quiz=False, lessons=1)
    login(client, username)
    client.post("/courses/J-102/enrol")
    response = client.post("/courses/J-102/lessons/lesson-1/done")
    assert location(response) == "/courses/J-102"
    page = text(client.get("/courses/J-102"))
    assert "Course completed. Well done!" in page and "Completed on" in page
    my = text(client.get("/my"))
    assert "—" in my.split(">Completed</h2>", 1)[1]  # no score for a course without a quiz


def test_enrol_twice_is_harmless(client, make_user, make_course, query):
    username = make_user()
    make_course("J-103")
    login(client, username)
    client.post("/courses/J-103/enrol")
    client.post("/courses/J-103/enrol")
    assert counts(query)["Enrolment"] == 1


def test_lessons_and_quiz_need_enrolment(client, make_user, make_course, query):
    username = make_user()
    make_course("J-104")
    login(client, username)
    for path in ("/courses/J-104/lessons/lesson-1", "/courses/J-104/quiz"):
        response = client.get(path)
        assert response.status_code == 302 and location(response) == "/courses/J-104"
    assert client.post("/courses/J-104/lessons/lesson-1/done").status_code == 302
    assert location(client.post("/courses/J-104/quiz/start")) == "/courses/J-104/quiz"
    assert counts(query) == {"Enrolment": 0, "LessonCompletion": 0, "QuizAttempt": 0, "CourseCompletion": 0}


def test_unknown_lesson_is_404(client, make_user, make_course, enrol):
    username = make_user()
    make_course("J-105")
    enrol(username, "J-105")
    login(client, username)
    assert client.get("/courses/J-105/lessons/nope").status_code == 404
    assert client.post("/courses/J-105/lessons/nope/done").status_code == 404


def test_answer_key_and_feedback_hidden_until_submitted(client, make_user, make_course, enrol, query):
    username = make_user(language="en")
    course = make_course("J-106")
    enrol(username, "J-106")
    login(client, username)

    quiz_page = text(client.get("/courses/J-106/quiz"))
    attempt_id = attempt_id_from(client.post("/courses/J-106/quiz/start"))
    attempt_page = text(client.get(f"/attempts/{attempt_id}"))
    assert "Minimum contribution years" in attempt_page  # the questions are there
    for page in (quiz_page, attempt_page):
        for marker in FEEDBACK + KEY_MARKERS:
            assert marker not in page, marker
    # The options carry nothing but the attempt's tokens.
    inputs = re.findall(r"<input[^>]*name=\"q-[0-9a-f]{12}\"[^>]*>", attempt_page)
    assert len(inputs) == 7
    assert all(set(re.findall(r'(\w[\w-]*)=', tag)) <= {"type", "name", "value"} for tag in inputs)
    tokens = {token for entry in layout_of(query, attempt_id) for _oid, token in entry["o"]}
    assert {re.search(r'value="([^"]+)"', tag).group(1) for tag in inputs} == tokens

    client.post(f"/attempts/{attempt_id}", data=form_answers(query, attempt_id, course.correct))
    result = text(client.get(f"/attempts/{attempt_id}"))
    for marker in ("Fifteen years.", "Right.", "(correct answer)"):
        assert marker in result, marker
    assert "Too few." not in result  # feedback of an option the learner did not choose


def test_another_learners_attempt_is_404(app, client, make_user, make_course, enrol, query):
    owner, intruder = make_user(), make_user()
    course = make_course("J-107")
    enrol(owner, "J-107")
    enrol(intruder, "J-107")
    login(client, owner)
    attempt_id = attempt_id_from(client.post("/courses/J-107/quiz/start"))

    other = app.test_client()
    login(other, intruder)
    assert other.get(f"/attempts/{attempt_id}").status_code == 404
    assert other.post(f"/attempts/{attempt_id}", data=form_answers(query, attempt_id, course.correct)).status_code == 404
    assert other.get(f"/attempts/{attempt_id + 1000}").status_code == 404
    assert query(lambda s: s.scalar(select(QuizAttempt.submitted_at).where(QuizAttempt.id == attempt_id))) is None
    assert client.get(f"/attempts/{attempt_id}").status_code == 200


def test_replayed_submission_is_refused(client, make_user, make_course, enrol, query):
    username = make_user(language="en")
    course = make_course("J-108")
    enrol(username, "J-108")
    login(client, username)
    attempt_id = attempt_id_from(client.post("/courses/J-108/quiz/start"))
    client.post(f"/attempts/{attempt_id}", data=form_answers(query, attempt_id, course.wrong))
    replay = client.post(f"/attempts/{attempt_id}", data=form_answers(query, attempt_id, course.correct))
    assert replay.status_code == 302
    page = text(client.get(f"/attempts/{attempt_id}"))
    assert "This attempt has already been submitted." in page
    assert "Score: 0.0%" in page
    score = query(lambda s: s.scalar(select(QuizAttempt.score).where(QuizAttempt.id == attempt_id)))
    assert score == 0.0
    assert counts(query)["CourseCompletion"] == 0


def test_tampered_answers_are_refused(client, make_user, make_course, enrol, query):
    username = make_user(language="en")
    make_course("J-109")
    enrol(username, "J-109")
    login(client, username)
    attempt_id = attempt_id_from(client.post("/courses/J-109/quiz/start"))
    layout = layout_of(query, attempt_id)
    # The option of another question, posted under the first question.
    tampered = {f"q-{layout[0]['t']}": [layout[1]["o"][0][1]], "score": "100"}
    response = client.post(f"/attempts/{attempt_id}", data=tampered)
    assert response.status_code == 422
    page = text(response)
    assert "The answers do not match this attempt" in page and "Nothing was submitted" in page
    # The form comes back as it was sent; nothing is graded.
    assert f'value="{layout[1]["o"][0][1]}"' in page
    assert query(lambda s: s.scalar(select(QuizAttempt.submitted_at).where(QuizAttempt.id == attempt_id))) is None


def test_client_claims_are_ignored_and_unanswered_is_wrong(client, make_user, make_course, enrol):
    username = make_user(language="en")
    make_course("J-110")
    enrol(username, "J-110")
    login(client, username)
    attempt_id = attempt_id_from(client.post("/courses/J-110/quiz/start"))
    client.post(f"/attempts/{attempt_id}", data={"score": "100", "passed": "1"})
    page = text(client.get(f"/attempts/{attempt_id}"))
    assert "Score: 0.0% (0 of 3 points)" in page
    assert page.count("Not answered.") == 3


def test_attempt_limit_through_the_browser(client, make_user, make_course, enrol, query):
    username = make_user(language="en")
    course = make_course("J-111", attempts=1)
    enrol(username, "J-111")
    login(client, username)
    assert "Attempts left: 1 of 1" in text(client.get("/courses/J-111/quiz"))
    attempt_id = attempt_id_from(client.post("/courses/J-111/quiz/start"))
    # Starting again while the attempt is open resumes it.
    assert attempt_id_from(client.post("/courses/J-111/quiz/start")) == attempt_id
    client.post(f"/attempts/{attempt_id}", data=form_answers(query, attempt_id, course.wrong))
    quiz = text(client.get("/courses/J-111/quiz"))
    assert "You have used all your attempts at this quiz." in quiz
    assert 'action="/courses/J-111/quiz/start"' not in quiz
    response = client.post("/courses/J-111/quiz/start")
    assert location(response) == "/courses/J-111/quiz"
    assert counts(query)["QuizAttempt"] == 1


def test_get_requests_change_nothing(client, make_user, make_course, enrol, query):
    username = make_user()
    make_course("J-112")
    enrol(username, "J-112")
    login(client, username)
    before = counts(query)
    for path in ("/", "/courses/J-112", "/courses/J-112/lessons/lesson-1", "/courses/J-112/lessons/lesson-2",
                 "/courses/J-112/quiz", "/my"):
        assert client.get(path).status_code == 200
    assert counts(query) == before
