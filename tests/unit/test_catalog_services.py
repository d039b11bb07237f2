"""The catalogue: importing course packages, the skill x level matrix, filters
and keyword search."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from content import load_package_from_files
from lms.courses import services as catalog
from lms.courses.models import Course, Lesson, QuestionOption
from lms.courses.services import CatalogFilter
from lms.enums import SKILL_TYPES, TARGET_LEVELS
from lms.learn import services as learn
from lms.learn.models import CourseCompletion, Enrolment, LessonCompletion
from tests.builders import NOW, by_token, correct_answers, course_files, make_course, make_user


def codes(db, **kwargs) -> list[str]:
    return [c.code for c in catalog.find_courses(db, CatalogFilter(**kwargs))]


def count(db, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where))


# ---- import ------------------------------------------------------------------

def test_import_creates_course_lessons_and_quiz(db):
    result = catalog.import_course(db, load_package_from_files(course_files("IM-1", lessons=3)), now=NOW)
    assert result.created and result.changed
    course = result.course
    assert course.status == "published"
    assert course.title == "养老保险入门"
    assert [ls.slug for ls in course.lessons] == ["lesson-1", "lesson-2", "lesson-3"]
    assert [ls.title for ls in course.lessons] == ["第1课", "第2课", "第3课"]
    assert "<p>" in course.lessons[0].body_html
    assert course.scheme_names == ["pension"] and course.audience_names == ["staff"]
    assert "了解养老保险" in course.objectives_html
    assert [q.kind for q in course.quiz.questions] == ["single", "multiple", "true_false"]
    assert sum(o.is_correct for o in course.quiz.questions[1].options) == 2


def test_import_is_idempotent(db):
    files = course_files("IM-2")
    first = catalog.import_course(db, load_package_from_files(files), now=NOW)
    course = first.course
    lesson_ids = [ls.id for ls in course.lessons]
    question_ids = [q.id for q in course.quiz.questions]
    option_ids = sorted(db.scalars(select(QuestionOption.id)))
    digest = course.content_hash

    second = catalog.import_course(db, load_package_from_files(files), now=NOW + timedelta(days=3))
    assert (second.created, second.changed) == (False, False)
    assert second.course.id == course.id
    db.expire_all()
    course = db.get(Course, course.id)
    assert course.updated_at == NOW
    assert course.content_hash == digest
    assert [ls.id for ls in course.lessons] == lesson_ids
    assert [q.id for q in course.quiz.questions] == question_ids
    assert sorted(db.scalars(select(QuestionOption.id))) == option_ids
    assert count(db, Course) == 1


def test_update_is_a_new_version_and_moving_keeps_completions_of_lessons_whose_slug_remains(db):
    learner = make_user(db)
    course = make_course(db, "UP-1", lessons=3, quiz=False)
    v1_ids = {ls.slug: ls.id for ls in course.lessons}
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    for lesson in course.lessons[:2]:  # lessons 1 and 2 done
        learn.complete_lesson(db, user_id=learner.id, lesson=lesson, now=NOW)

    files = course_files("UP-1", lessons=3, quiz=False, lesson_body="修订后的内容。")
    del files["lessons/02-lesson-2.md"]  # lesson 2 removed
    files["lessons/04-lesson-4.md"] = "# 第四课\n\n新增的一课。\n".encode()
    result = catalog.import_course(db, load_package_from_files(files), now=NOW + timedelta(days=1))
    assert result.changed and not result.created and result.version.number == 2
    db.expire_all()
    course = db.get(Course, course.id)
    assert [ls.slug for ls in course.lessons] == ["lesson-1", "lesson-3", "lesson-4"]
    assert "修订后的内容" in course.lessons[0].body_html
    assert course.updated_at == NOW + timedelta(days=1)
    # The learner keeps following version 1, untouched.
    progress = learn.course_progress(db, user_id=learner.id, course_id=course.id)
    assert (progress.lessons_done, progress.lessons_total) == (2, 3)
    assert learn.completed_lesson_ids(db, user_id=learner.id, course_id=course.id) == {v1_ids["lesson-1"], v1_ids["lesson-2"]}

    learn.move_to_latest_version(db, user_id=learner.id, course=course, now=NOW + timedelta(days=2))
    by_slug = {ls.slug: ls for ls in course.lessons}
    assert learn.completed_lesson_ids(db, user_id=learner.id, course_id=course.id) == {by_slug["lesson-1"].id}
    progress = learn.course_progress(db, user_id=learner.id, course_id=course.id)
    assert (progress.lessons_done, progress.lessons_total) == (1, 3)
    # Version 1's history stays as it was.
    assert count(db, LessonCompletion, LessonCompletion.lesson_id == v1_ids["lesson-2"]) == 1
    assert count(db, Enrolment) == 1


def test_update_keeps_course_completion(db):
    learner = make_user(db)
    course = make_course(db, "UP-2", lessons=1, quiz=False)
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    learn.complete_lesson(db, user_id=learner.id, lesson=course.lessons[0], now=NOW)
    catalog.import_course(db, load_package_from_files(course_files("UP-2", lessons=2, quiz=False)), now=NOW)
    assert count(db, CourseCompletion, CourseCompletion.user_id == learner.id) == 1
    assert learn.course_progress(db, user_id=learner.id, course_id=course.id).completed_at == NOW


def test_update_of_a_withdrawn_course_waits_as_a_draft(db):
    """`make run` re-imports the starter catalogue: a course withdrawn in the
    browser must not come back by itself; the new content waits as a draft."""
    course = make_course(db, "UP-3")
    course.published_version.status = "archived"
    course.status = "archived"
    db.flush()
    result = catalog.import_course(db, load_package_from_files(course_files("UP-3", title="新标题")), now=NOW)
    db.refresh(course)
    assert course.status == "archived" and course.title == "养老保险入门"
    assert result.version.status == "draft" and result.version.title == "新标题"


def test_update_removing_the_quiz(db):
    course = make_course(db, "UP-4")
    catalog.import_course(db, load_package_from_files(course_files("UP-4", quiz=False)), now=NOW)
    db.expire_all()
    course = db.get(Course, course.id)
    assert course.quiz is None and course.published_version.quiz is None
    assert course.published_version.number == 2
    assert catalog.get_version(db, course.id, 1).quiz is not None  # version 1 is immutable


def test_open_attempt_survives_an_update_of_the_quiz(db):
    """An attempt started before a new version was published is graded against
    the version it was started in (published versions never change)."""
    learner = make_user(db)
    course = make_course(db, "UP-5")
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    attempt = learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW)
    right = by_token(attempt.layout, correct_answers(course))
    catalog.import_course(db, load_package_from_files(course_files("UP-5", pass_mark=50)), now=NOW)
    graded = learn.submit_attempt(db, user_id=learner.id, attempt_id=attempt.id, raw_answers=right, now=NOW)
    assert graded.attempt.submitted_at == NOW
    assert graded.attempt.points_possible == 3 and graded.attempt.passed is True


def test_unpublished_course_is_not_found(db):
    course = make_course(db, "ST-1")
    assert catalog.get_published_course(db, "ST-1").id == course.id
    course.status = "draft"
    db.flush()
    assert catalog.get_published_course(db, "ST-1") is None
    assert codes(db) == []
    assert sum(catalog.matrix_counts(db).values()) == 0


# ---- matrix ------------------------------------------------------------------

def test_matrix_has_nine_cells_with_counts(db):
    counts = catalog.matrix_counts(db)
    assert set(counts) == {(s, t) for s in SKILL_TYPES for t in TARGET_LEVELS}
    assert len(counts) == 9 and set(counts.values()) == {0}

    make_course(db, "MX-1", skill_type="professional", target_level="capacity")
    make_course(db, "MX-2", skill_type="professional", target_level="capacity")
    make_course(db, "MX-3", skill_type="transversal", target_level="expertise")
    draft = make_course(db, "MX-4", skill_type="transversal", target_level="expertise")
    draft.status = "review"
    db.flush()
    counts = catalog.matrix_counts(db)
    assert len(counts) == 9
    assert counts[("professional", "capacity")] == 2
    assert counts[("transversal", "expertise")] == 1
    assert sum(counts.values()) == 3
    assert catalog.matrix_counts(db, CatalogFilter(keyword="MX-3")) == {
        **{cell: 0 for cell in counts}, ("transversal", "expertise"): 1}


# ---- filters -------------------------------------------------------------------

@pytest.fixture
def catalogue(db):
    make_course(db, "F-1", skill_type="social-security", target_level="information", schemes=("pension",),
                audience=("staff",), language="zh_CN", title="养老保险基础")
    make_course(db, "F-2", skill_type="social-security", target_level="expertise", schemes=("medical", "maternity"),
                audience=("manager",), language="zh_CN", title="医疗保险基金监管",
                lesson_body="欺诈骗保的识别方法与稽核程序。")
    make_course(db, "F-3", skill_type="professional", target_level="capacity", schemes=(),
                audience=(), language="en", title="Statistics for Pension Funds",
                lesson_body="Descriptive statistics and sampling.")
    make_course(db, "F-4", skill_type="transversal", target_level="capacity", schemes=(),
                audience=("correspondent",), language="zh_CN", title="窗口服务礼仪",
                lesson_body="微笑服务；100% 满意_率。")


def test_no_filter_lists_all_published(db, catalogue):
    # Ordered by skill type, target level, code.
    assert codes(db) == ["F-3", "F-2", "F-1", "F-4"]


def test_filter_by_skill_and_level(db, catalogue):
    assert codes(db, skill_type="social-security") == ["F-2", "F-1"]
    assert codes(db, skill_type="social-security", target_level="expertise") == ["F-2"]
    assert codes(db, target_level="capacity") == ["F-3", "F-4"]
    assert codes(db, skill_type="transversal", target_level="information") == []


def test_filter_by_scheme(db, catalogue):
    assert codes(db, scheme="maternity") == ["F-2"]
    assert codes(db, scheme="pension") == ["F-1"]
    assert codes(db, scheme="work_injury") == []


def test_filter_by_audience_includes_courses_for_everyone(db, catalogue):
    assert set(codes(db, audience="manager")) == {"F-2", "F-3"}  # F-3 has no audience: for everyone
    assert set(codes(db, audience="staff")) == {"F-1", "F-3"}
    assert set(codes(db, audience="correspondent")) == {"F-3", "F-4"}


def test_filter_by_language(db, catalogue):
    assert codes(db, language="en") == ["F-3"]
    assert set(codes(db, language="zh_CN")) == {"F-1", "F-2", "F-4"}


def test_filters_combine(db, catalogue):
    assert codes(db, skill_type="social-security", audience="staff", language="zh_CN") == ["F-1"]
    assert codes(db, skill_type="social-security", audience="staff", scheme="medical") == []


# ---- keyword search --------------------------------------------------------------

def test_keyword_matches_chinese_substring_of_title(db, catalogue):
    assert codes(db, keyword="基金监") == ["F-2"]
    assert set(codes(db, keyword="保险")) == {"F-1", "F-2"}


def test_keyword_matches_chinese_substring_of_lesson_text(db, catalogue):
    assert codes(db, keyword="骗保") == ["F-2"]
    assert codes(db, keyword="稽核程") == ["F-2"]


def test_keyword_matches_lesson_title(db):
    files = course_files("KW-1", lessons=1)
    files["lessons/02-rules.md"] = "# 缴费基数核定\n\n正文。\n".encode()
    catalog.import_course(db, load_package_from_files(files), now=NOW)
    make_course(db, "KW-2")
    assert codes(db, keyword="基数核定") == ["KW-1"]


def test_keyword_matches_summary_and_code(db, catalogue):
    assert set(codes(db, keyword="县级经办")) == {"F-1", "F-2", "F-3", "F-4"}  # every builder summary
    assert codes(db, keyword="F-3") == ["F-3"]


def test_keyword_is_case_insensitive_for_latin_text(db, catalogue):
    assert codes(db, keyword="pension funds") == ["F-3"]
    assert codes(db, keyword="SAMPLING") == ["F-3"]


def test_keyword_wildcards_are_literal(db, catalogue):
    assert codes(db, keyword="%") == ["F-4"]  # only the lesson that contains a percent sign
    assert codes(db, keyword="_") == ["F-4"]
    assert codes(db, keyword="满意_率") == ["F-4"]
    assert codes(db, keyword="满意x率") == []


def test_keyword_and_filters_combine(db, catalogue):
    assert codes(db, keyword="保险", target_level="information") == ["F-1"]
    assert codes(db, keyword="不存在的词") == []


def test_keyword_ignores_unpublished(db, catalogue):
    db.scalar(select(Course).where(Course.code == "F-2")).status = "draft"
    db.flush()
    assert codes(db, keyword="骗保") == []


def test_lessons_are_ordered(db):
    course = make_course(db, "OR-1", lessons=4)
    positions = list(db.scalars(select(Lesson.position).where(Lesson.course_id == course.id).order_by(Lesson.position)))
    assert [ls.position for ls in course.lessons] == positions
