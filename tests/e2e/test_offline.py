"""Offline reading (issue 17.9), with JavaScript on: the lessons of the
learner's courses are kept by the service worker; offline, a lesson opens
from the device, "mark as done" is kept and sent once back online (exactly
once), the quiz says it needs a connection; logging out empties the cache."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from lms.learn import services as learning
from lms.learn.models import LessonCompletion
from tests.builders import NOW, PASSWORD, make_course, make_user
from tests.e2e.conftest import Server

pytestmark = pytest.mark.browser


def _wait(predicate, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_lessons_read_offline_and_done_sent_once_back_online(app, db, browser):
    course = make_course(db, "OFF-1", lessons=3)
    learner = make_user(db, username="offline", staff_category="staff", language="en")
    learning.enrol(db, user_id=learner.id, course=course, now=NOW)
    db.commit()
    done = lambda: db.scalar(select(func.count()).select_from(LessonCompletion))  # noqa: E731

    server = Server(app)
    live_server = server.start()
    context = browser.new_context(java_script_enabled=True, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server + "/auth/login")
        page.fill("input[name=username]", "offline")
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        assert page.url.endswith("/my")
        cached = "async () => (await (await caches.open('lms-offline-v1')).keys()).map(r => new URL(r.url).pathname)"
        _wait(lambda: len([p for p in page.evaluate(cached) if "/lessons/" in p]) == 3)

        server.stop()  # offline: nothing answers
        page.goto(live_server + "/courses/OFF-1/lessons/lesson-2")
        assert "第2课" in page.inner_text("main")  # from the device
        page.click('form[action$="/done"] button')
        assert "Saved offline" in page.inner_text("h1")
        db.rollback()
        assert done() == 0
        page.goto(live_server + "/courses/OFF-1/quiz")
        assert "The quiz needs a connection" in page.inner_text("h1")

        server.start()  # back online
        page.goto(live_server + "/courses/OFF-1/lessons/lesson-1")  # any lesson fetched online sends what waits
        def sent() -> bool:
            db.rollback()
            return done() == 1
        _wait(sent)
        page.goto(live_server + "/my")
        time.sleep(1)
        db.rollback()
        assert done() == 1  # sent once, never twice

        page.click("form[action$='/auth/logout'] button")
        _wait(lambda: page.evaluate(cached) == [])
    finally:
        context.close()
        server.stop()
