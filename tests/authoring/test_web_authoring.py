"""Authoring through the test client: permissions, preview never saves,
the browser zip import's validation report, the GIFT report, learners moving
to a new version."""
from __future__ import annotations

import io
import zipfile

from sqlalchemy import func, select

from lms.courses.models import Course, CourseVersion
from tests.builders import TERMS
from tests.web.helpers import login, text


def _client(app, username):
    client = app.test_client()
    login(client, username)
    return client


def _count(query, model):
    return query(lambda s: s.scalar(select(func.count()).select_from(model)))


def test_learners_and_managers_cannot_reach_authoring(app, make_user, make_course):
    make_course("P-1")
    make_user(username="pupil")
    make_user(username="boss", roles=("manager",), staff_category="manager")
    for name in ("pupil", "boss"):
        client = _client(app, name)
        for path in ("/authoring/", "/authoring/courses/P-1", "/authoring/courses/P-1/lessons/lesson-1",
                     "/authoring/courses/P-1/versions/1/export", "/authoring/import"):
            assert client.get(path).status_code == 403
        assert client.post("/authoring/courses/P-1/lessons/lesson-1",
                           data={"title": "x", "body": "y", "action": "save"}).status_code == 403
    assert app.test_client().get("/authoring/").headers["Location"].startswith("/auth/login")
    home = _client(app, "pupil").get("/")
    assert "/authoring/" not in text(home)


def test_preview_renders_through_the_pipeline_and_saves_nothing(app, make_user, make_course, query):
    make_course("P-2")
    make_user(username="writer", roles=("author",))
    client = _client(app, "writer")
    response = client.post("/authoring/courses/P-2/lessons/lesson-1", data={
        "title": "第1课", "body": "## 小节\n\n<script>alert(1)</script>[x](javascript:alert(1))", "action": "preview"})
    page = text(response)
    assert response.status_code == 200 and "Preview" in page or "预览" in page
    assert "<h2" in page and "<script>alert(1)</script>" not in page and 'href="javascript:' not in page
    assert _count(query, CourseVersion) == 1


def test_author_writes_submits_and_another_author_publishes(app, make_user, make_course, query):
    make_user(username="writer", roles=("author",))
    make_user(username="reviewer", roles=("author",), language="en")
    writer = _client(app, "writer")
    response = writer.post("/authoring/new", data={"code": "NEW-9", "title": "新课", "skill_type": "transversal",
                                                    "target_level": "capacity", "language": "zh_CN",
                                                    **TERMS, "objectives": "学会接待群众。"})
    assert response.status_code == 302
    writer.post("/authoring/courses/NEW-9/lessons/new", data={"title": "第一课", "slug": "first", "body": "内容。"})
    assert writer.post("/authoring/courses/NEW-9/submit").status_code == 302
    assert "another author" in text(writer.get("/authoring/courses/NEW-9/review")) or \
        "其他作者" in text(writer.get("/authoring/courses/NEW-9/review"))
    writer.post("/authoring/courses/NEW-9/approve", data={"comment": ""})
    assert query(lambda s: s.scalar(select(Course.status).where(Course.code == "NEW-9"))) == "review"
    reviewer = _client(app, "reviewer")
    assert "内容。" in text(reviewer.get("/authoring/courses/NEW-9/review"))
    assert reviewer.post("/authoring/courses/NEW-9/approve", data={"comment": "好"}).status_code == 302
    assert query(lambda s: s.scalar(select(Course.status).where(Course.code == "NEW-9"))) == "published"
    page = text(reviewer.get("/authoring/courses/NEW-9"))
    assert "submitted for review" in page and "writer" in page and "reviewer" in page
    assert "<code>submitted</code>" not in page and "lesson added" in page  # the history in words, not codes


def test_browser_zip_import_reports_problems_and_writes_nothing(app, make_user, query):
    make_user(username="writer", roles=("author",))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bad/course.toml", 'code = "BAD-1"\ntitle = "T"\nskill_type = "nope"\n')
        archive.writestr("bad/lessons/01-a.md", "# A\n\nBody\n")
        archive.writestr("bad/quiz.toml", 'title = "Q"\n[[questions]]\nkind = "single"\ntext = "x"\n')
    response = _client(app, "writer").post("/authoring/import", data={"file": (io.BytesIO(buffer.getvalue()), "bad.zip")},
                                           content_type="multipart/form-data")
    page = text(response)
    assert response.status_code == 422
    assert "course.toml" in page and "skill_type" in page and "quiz.toml" in page
    assert _count(query, Course) == 0


def test_gift_upload_reports_what_it_imported_and_what_is_not_a_question(app, make_user, make_course, query):
    make_course("G-1")
    make_user(username="writer", roles=("author",), language="en")
    gift = "::A:: Q? {=yes ~no}\n\n::B:: Capital? {=Beijing}\n\nJust words.\n"
    response = _client(app, "writer").post("/authoring/courses/G-1/quiz/gift",
                                           data={"file": (io.BytesIO(gift.encode()), "q.gift")},
                                           content_type="multipart/form-data")
    page = text(response)
    assert response.status_code == 200 and "2 questions imported" in page
    assert "<td>3</td><td>Short answer</td><td>B</td>" in page  # line, type, title
    assert "<td>5</td><td>Description (not a question)</td>" in page
    bad = _client(app, "writer").post("/authoring/courses/G-1/quiz/gift", data={"text": "Q {~a ~b}"})
    assert bad.status_code == 422 and "no answer is right" in text(bad)


def test_learner_is_offered_the_new_version_and_moves(app, make_user, make_course, enrol, build, query):
    make_course("M-1", lessons=2, quiz=False)
    make_user(username="pupil")
    enrol("pupil", "M-1")
    from content import load_package_from_files
    from lms.courses.services import import_course
    from tests.builders import NOW, course_files

    build(lambda s: import_course(s, load_package_from_files(course_files("M-1", lessons=3, quiz=False)), now=NOW))
    client = _client(app, "pupil")
    page = text(client.get("/courses/M-1"))
    assert "/courses/M-1/move" in page
    assert "/courses/M-1" in text(client.get("/my"))
    assert client.post("/courses/M-1/move").status_code == 302
    page = text(client.get("/courses/M-1"))
    assert "/courses/M-1/move" not in page and "第3课" in page


def test_destructive_actions_ask_first_and_change_nothing_until_confirmed(app, make_user, make_course, query):
    make_user(username="cautious", roles=("author",), language="en")
    make_course("DEL-1", lessons=2)
    author = _client(app, "cautious")
    versions = _count(query, CourseVersion)
    for path, question in (("/authoring/courses/DEL-1/archive", "Withdraw this course from the catalogue?"),
                           ("/authoring/courses/DEL-1/quiz/delete", "Remove the quiz and all its questions"),
                           ("/authoring/courses/DEL-1/lessons/lesson-2/delete", "Remove this lesson from the draft?")):
        page = author.post(path)
        assert page.status_code == 200 and question in text(page)
        assert 'name="confirm" value="yes"' in text(page) and f'action="{path}"' in text(page)
    assert _count(query, CourseVersion) == versions  # not even a draft was started
    assert query(lambda s: s.scalar(select(Course.status).where(Course.code == "DEL-1"))) == "published"
    done = author.post("/authoring/courses/DEL-1/archive", data={"confirm": "yes"})
    assert done.status_code == 302
    assert query(lambda s: s.scalar(select(Course.status).where(Course.code == "DEL-1"))) == "archived"


def test_an_author_withdraws_a_version_from_review_before_typing_anything(app, make_user, make_course, query):
    make_user(username="second-thoughts", roles=("author",), language="en")
    make_course("WD-1", lessons=1)
    author = _client(app, "second-thoughts")
    author.post("/authoring/courses/WD-1/lessons/lesson-1", data={"title": "第1课", "body": "改过的内容。", "action": "save"})
    assert author.post("/authoring/courses/WD-1/submit").status_code == 302
    editor = author.get("/authoring/courses/WD-1/lessons/lesson-1")  # no form to type into while in review
    assert editor.status_code == 302 and editor.headers["Location"].endswith("/authoring/courses/WD-1")
    page = text(author.get("/authoring/courses/WD-1"))
    assert "This version is in review" in page and "Withdraw from review to change it" in page
    assert author.post("/authoring/courses/WD-1/withdraw-review").status_code == 302
    status = query(lambda s: s.scalar(select(CourseVersion.status).where(CourseVersion.number == 2)))
    assert status == "draft"
    assert author.get("/authoring/courses/WD-1/lessons/lesson-1").status_code == 200
    assert "withdrawn from review" in text(author.get("/authoring/courses/WD-1"))


def test_the_review_diff_names_vocabularies_in_the_readers_words(app, make_user, make_course):
    make_user(username="wordsmith", roles=("author",), language="en")
    make_course("VOC-1", lessons=1)
    author = _client(app, "wordsmith")
    form = {"title": "养老保险入门", "skill_type": "professional", "target_level": "capacity", "language": "zh_CN",
            "estimated_minutes": "30", "schemes": "pension", "audience": "staff"}
    from tests.builders import TERMS
    assert author.post("/authoring/courses/VOC-1/metadata", data=form | TERMS).status_code == 302
    page = text(author.get("/authoring/courses/VOC-1/review"))
    assert "Professional" in page and "Capacity" in page  # the new skill type and level, in words
    assert "social-security" not in page.split("<h2", 2)[-1] and ">capacity<" not in page
