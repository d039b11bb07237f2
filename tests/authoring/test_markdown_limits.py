"""Markdown an author saves is refused when it is too long or nested too
deeply (a clear message, nothing saved), and the author's course page shows a
draft's problems without rendering its lessons again."""
from __future__ import annotations

from sqlalchemy import select

from lms.courses.models import Lesson
from tests.web.helpers import login, text


def _author(app, make_user):
    make_user(username="writer", roles=("author",), staff_category="professional")
    client = app.test_client()
    login(client, "writer")
    return client


def test_deeply_nested_markdown_is_refused_on_save(app, make_user, make_course, query):
    make_course("M-1")
    client = _author(app, make_user)
    nested = "".join("  " * depth + "- item\n" for depth in range(40))
    page = client.post("/authoring/courses/M-1/lessons/lesson-1", data={"title": "第一课", "body": nested, "action": "save"})
    assert page.status_code == 400 and "nest" in text(page)  # the reason, from content.markdown_problem
    bodies = query(lambda s: list(s.scalars(select(Lesson.body_md).where(Lesson.slug == "lesson-1"))))
    assert nested not in bodies


def test_the_course_page_does_not_render_lessons(app, make_user, make_course, monkeypatch):
    make_course("M-2")
    client = _author(app, make_user)
    assert client.post("/authoring/courses/M-2/lessons/lesson-1",
                       data={"title": "第一课", "body": "改过的正文。", "action": "save"}).status_code == 302
    import lms.authoring.services as authoring

    def no_rendering(*_args, **_kwargs):
        raise AssertionError("a GET rendered the lessons again")

    monkeypatch.setattr(authoring, "load_package_from_files", no_rendering)
    monkeypatch.setattr(authoring, "render_markdown", no_rendering)
    assert client.get("/authoring/courses/M-2").status_code == 200
