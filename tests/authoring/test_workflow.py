"""Review workflow and the diff a reviewer reads."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.authoring import services as authoring
from lms.authoring.services import AuthoringError, Metadata, OptionInput, QuestionInput
from lms.courses import services as catalog
from lms.courses.models import CourseEvent
from tests.builders import NOW, TERMS, make_course, make_user


@pytest.fixture
def people(db):
    return {"writer": make_user(db, username="writer", roles=("author",)),
            "reviewer": make_user(db, username="reviewer", roles=("author",)),
            "admin": make_user(db, username="boss", roles=("admin",)),
            "learner": make_user(db, username="pupil")}


def _new_course(db, user):
    course = authoring.create_course(db, code="AU-1", data=Metadata(title="新课程", terms=TERMS),
                                     user=user, now=NOW)
    authoring.add_lesson(db, course, title="第一课", slug="intro", body="# 小标题\n\n正文。", minutes=None,
                         user=user, now=NOW)
    return course


def test_draft_review_publish(db, people):
    course = _new_course(db, people["writer"])
    assert course.status == "draft" and catalog.get_published_course(db, "AU-1") is None
    version = authoring.submit_for_review(db, course, user=people["writer"], now=NOW)
    assert version.status == "review" and course.status == "review"
    with pytest.raises(AuthoringError, match="in review"):
        authoring.update_lesson(db, course, "intro", title="x", body="y", minutes=None, user=people["writer"], now=NOW)
    with pytest.raises(AuthoringError, match="another author"):
        authoring.approve(db, course, user=people["writer"], now=NOW)
    authoring.approve(db, course, user=people["reviewer"], now=NOW + timedelta(hours=1))
    assert course.status == "published" and version.status == "published"
    assert version.reviewed_by_id == people["reviewer"].id and version.published_at == NOW + timedelta(hours=1)
    assert catalog.get_published_course(db, "AU-1").lessons[0].body_html.startswith("<h1")
    actions = [e.action for e in db.scalars(select(CourseEvent).order_by(CourseEvent.id))]
    assert actions == ["created", "lesson_added", "submitted", "published"]


def test_anyone_who_edited_cannot_approve(db, people):
    course = _new_course(db, people["writer"])
    authoring.update_lesson(db, course, "intro", title="第一课", body="改了。", minutes=None, user=people["admin"], now=NOW)
    authoring.submit_for_review(db, course, user=people["writer"], now=NOW)
    with pytest.raises(AuthoringError):
        authoring.approve(db, course, user=people["admin"], now=NOW)  # an admin who edited is an author of it
    with pytest.raises(AuthoringError):
        authoring.approve(db, course, user=people["learner"], now=NOW)
    authoring.approve(db, course, user=people["reviewer"], now=NOW)


def test_return_needs_a_comment_and_goes_back_to_draft(db, people):
    course = _new_course(db, people["writer"])
    authoring.submit_for_review(db, course, user=people["writer"], now=NOW)
    with pytest.raises(AuthoringError, match="comment"):
        authoring.return_to_authors(db, course, user=people["reviewer"], now=NOW, comment="  ")
    version = authoring.return_to_authors(db, course, user=people["reviewer"], now=NOW, comment="补充目标")
    assert version.status == "draft" and version.review_comment == "补充目标" and course.status == "draft"


def test_submit_refuses_an_invalid_or_unchanged_draft(db, people):
    course = authoring.create_course(db, code="AU-2", data=Metadata(title="空课程"), user=people["writer"], now=NOW)
    with pytest.raises(AuthoringError, match="at least one lesson"):
        authoring.submit_for_review(db, course, user=people["writer"], now=NOW)
    published = make_course(db, "AU-3")
    authoring.update_lesson(db, published, "lesson-1", title=published.lessons[0].title,
                            body=published.lessons[0].body_md + "\n\n多一句。", minutes=None, user=people["writer"], now=NOW)
    authoring.update_lesson(db, published, "lesson-1", title=published.lessons[0].title,
                            body=published.lessons[0].body_md, minutes=published.lessons[0].estimated_minutes,
                            user=people["writer"], now=NOW)
    with pytest.raises(AuthoringError, match="nothing to review"):
        authoring.submit_for_review(db, published, user=people["writer"], now=NOW)


def test_editing_lessons_and_quiz_in_a_draft(db, people):
    course = make_course(db, "AU-4", lessons=3)
    w = people["writer"]
    authoring.move_lesson(db, course, "lesson-3", up=True, user=w, now=NOW)
    authoring.remove_lesson(db, course, "lesson-1", user=w, now=NOW)
    draft = catalog.open_version(db, course.id)
    assert [(ls.slug, ls.position) for ls in draft.lessons] == [("lesson-3", 1), ("lesson-2", 2)]
    n = authoring.add_question(db, course, data=QuestionInput(kind="multiple", text="哪些是社会保险？", options=[
        OptionInput("养老", True, "对"), OptionInput("医疗", True), OptionInput("彩票", False, "不是")]), user=w, now=NOW)
    assert n == 4
    with pytest.raises(AuthoringError, match="exactly one correct"):
        authoring.update_question(db, course, 1, data=QuestionInput(kind="single", text="x", options=[
            OptionInput("a", True), OptionInput("b", True)]), user=w, now=NOW)
    authoring.update_quiz_settings(db, course, settings=authoring.QuizSettings(
        title="测验", pass_mark=80, attempts_allowed=2, shuffle_questions=True, questions_per_attempt=3), user=w, now=NOW)
    with pytest.raises(AuthoringError, match="between 1 and the number"):
        authoring.update_quiz_settings(db, course, settings=authoring.QuizSettings(title="测验", questions_per_attempt=9),
                                       user=w, now=NOW)
    quiz = catalog.open_version(db, course.id).quiz
    assert (quiz.pass_mark, quiz.attempts_allowed, quiz.questions_per_attempt, len(quiz.questions)) == (80, 2, 3, 4)
    assert authoring.validate_version(catalog.open_version(db, course.id)) == []
    # the live version is untouched
    assert [ls.slug for ls in course.lessons] == ["lesson-1", "lesson-2", "lesson-3"] and course.quiz.pass_mark == 60


def test_gift_into_the_draft_and_malformed_gift_changes_nothing(db, people):
    course = make_course(db, "AU-5")
    with pytest.raises(AuthoringError) as caught:
        authoring.import_gift(db, course, data="Q {~a ~b}", replace=False, user=people["writer"], now=NOW)
    assert caught.value.problems[0].line == 1
    assert catalog.open_version(db, course.id) is None
    report = authoring.import_gift(db, course, data="Q? {=a ~b}\n\nShort {=x}\n\nJust text.", replace=True,
                                   user=people["writer"], now=NOW)
    assert [q.kind for q in report.questions] == ["single", "short_answer"]
    assert report.skipped[0].kind == "description" and report.skipped[0].line == 5
    assert [q.text_md for q in catalog.open_version(db, course.id).quiz.questions] == ["Q?", "Short"]


def test_diff_shows_lesson_and_quiz_changes_escaped(db, people):
    course = make_course(db, "AU-6", lessons=2)
    w = people["writer"]
    authoring.update_lesson(db, course, "lesson-1", title="第1课", body="<script>alert(1)</script>\n\n新的一段。",
                            minutes=None, user=w, now=NOW)
    authoring.remove_lesson(db, course, "lesson-2", user=w, now=NOW)
    authoring.remove_question(db, course, 3, user=w, now=NOW)
    authoring.update_quiz_settings(db, course, settings=authoring.QuizSettings(title="Check", pass_mark=75), user=w,
                                   now=NOW)
    diff = authoring.version_diff(db, catalog.open_version(db, course.id))
    assert diff.base.number == 1
    changes = {c.slug: c for c in diff.lessons}
    assert changes["lesson-1"].change == "changed" and changes["lesson-2"].change == "removed"
    html = str(changes["lesson-1"].diff)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<ins class="diff-ins">新的一段。</ins>' in html and '<del class="diff-del">' in html
    assert ("pass_mark", "60", "75") in diff.quiz_settings
    assert [q.change for q in diff.questions] == ["removed"]


def test_diff_marks_the_changed_characters_of_a_chinese_line():
    html = str(authoring.text_diff("参保人员应当按月缴纳基本养老保险费。\n第二行不变。",
                                   "参保人应当按月足额缴纳基本养老保险费。\n第二行不变。"))
    assert '<del class="diff-word">员</del>' in html  # 参保人员 -> 参保人: one character out
    assert '<ins class="diff-word">足额</ins>' in html  # two characters in, the rest of the line kept
    assert '<span class="diff-same">第二行不变。</span>' in html
    assert "diff-del" not in html and "diff-ins" not in html  # no whole line shown out and in again
    whole = str(authoring.text_diff("完全不同的旧句子。", "New sentence here."))
    assert '<del class="diff-del">完全不同的旧句子。</del>' in whole  # nothing alike: the line out, the new one in
    escaped = str(authoring.text_diff("a <b> c", "a <i> c"))
    assert "<b>" not in escaped and "<i>" not in escaped and "&lt;" in escaped
