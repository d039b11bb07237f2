"""A learner completes a real starter course in a real browser, with
JavaScript off (the pages must work without it)."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from content import load_package
from lms.courses.models import Course
from lms.courses.services import import_course
from lms.learn.models import QuizAttempt
from tests.builders import NOW, PASSWORD, by_token, make_user
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.browser

COURSES = Path(__file__).resolve().parents[2] / "courses"


def test_learner_completes_a_starter_course(app, db, live_server, page):
    import_course(db, load_package(COURSES / "ss-pension-basics"), now=NOW)
    make_user(db, username="wang", staff_category="staff")
    db.commit()
    course = db.scalar(select(Course).where(Course.code == "SS-PEN-101"))
    key = {q.id: [o.id for o in q.options if o.is_correct] for q in course.quiz.questions}
    lesson_count = len(course.lessons)

    page.goto(live_server + "/auth/login")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    assert page.url.endswith("/my")

    page.goto(live_server + "/")
    screenshot(page, "catalogue")
    page.click('a[data-cell="social-security:information"]')
    page.click('a[href="/courses/SS-PEN-101"]')
    assert "养老保险基础" in page.inner_text("h1")
    page.click('form[action$="/enrol"] button')

    for n in range(lesson_count):
        page.locator("article.lesson h1").wait_for()  # the click's navigation may still be loading
        assert page.locator("article.lesson h1").count() == 1
        if n == 0:
            screenshot(page, "lesson")
        page.click('form[action$="/done"] button')

    # After the last lesson the learner lands on the quiz.
    page.wait_for_url("**/courses/SS-PEN-101/quiz")
    page.click('form[action$="/quiz/start"] button')
    # Before submission the page carries no answer key and no feedback.
    assert page.locator(".keymark, .feedback").count() == 0
    feedback = [q.feedback_md for q in course.quiz.questions if q.feedback_md]
    assert feedback and not any(text[:20] in page.content() for text in feedback)
    # The page names questions and options by the attempt's own tokens: the key
    # read from the database is translated through the attempt's layout.
    attempt_id = int(page.url.rsplit("/", 1)[1])
    db.rollback()
    layout = db.get(QuizAttempt, attempt_id).layout
    db.rollback()
    for question_token, option_tokens in by_token(layout, key).items():
        for option_token in option_tokens:
            page.check(f'input[name="q-{question_token}"][value="{option_token}"]')
    screenshot(page, "quiz")
    page.click("form.quiz button[type=submit]")
    assert page.locator(".score.pass").count() == 1
    screenshot(page, "result")

    page.goto(live_server + "/courses/SS-PEN-101")
    assert page.locator(".done-banner").count() == 1
    page.goto(live_server + "/my")
    assert "养老保险基础" in page.inner_text("table.data")
    screenshot(page, "my-learning")
