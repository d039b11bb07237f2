"""Versions: publication is immutable, learners keep their version, moving
carries completed lessons over by slug, completion never regresses."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from content import load_package_from_files
from lms.authoring import services as authoring
from lms.courses import services as catalog
from lms.courses.models import CourseVersion
from lms.learn import services as learn
from lms.learn.models import CourseCompletion
from tests.builders import NOW, by_token, correct_answers, course_files, make_course, make_user


def test_import_creates_version_one_published(db):
    course = make_course(db, "V-1")
    versions = list(db.scalars(select(CourseVersion).where(CourseVersion.course_id == course.id)))
    assert [(v.number, v.status) for v in versions] == [(1, "published")]
    assert versions[0].content_hash == course.content_hash and versions[0].published_at == NOW


def test_changed_import_publishes_a_new_version_and_archives_the_old(db):
    course = make_course(db, "V-2")
    result = catalog.import_course(db, load_package_from_files(course_files("V-2", title="新版")), now=NOW)
    assert result.changed and result.version.number == 2
    statuses = dict(db.execute(select(CourseVersion.number, CourseVersion.status)
                               .where(CourseVersion.course_id == course.id)).all())
    assert statuses == {1: "archived", 2: "published"}
    assert course.title == "新版"
    again = catalog.import_course(db, load_package_from_files(course_files("V-2", title="新版")), now=NOW)
    assert not again.changed and again.version.number == 2


def test_a_published_version_is_never_edited(db):
    course = make_course(db, "V-3")
    author = make_user(db, roles=("author",))
    v1 = course.published_version
    before = catalog.version_spec(v1)
    authoring.update_lesson(db, course, "lesson-1", title="改过的标题", body="改过的内容", minutes=None,
                            user=author, now=NOW)
    draft = catalog.open_version(db, course.id)
    assert draft.number == 2 and draft.status == "draft" and draft.based_on == 1
    assert catalog.version_spec(catalog.get_version(db, course.id, 1)) == before
    with pytest.raises(catalog.VersionStateError):
        catalog.fill_version(db, v1, catalog.version_spec(draft))


def test_learner_keeps_the_version_enrolled_in(db):
    learner = make_user(db)
    course = make_course(db, "V-4", lessons=2)
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    catalog.import_course(db, load_package_from_files(course_files("V-4", lessons=3)), now=NOW + timedelta(days=1))
    enrolment = learn.get_enrolment(db, user_id=learner.id, course_id=course.id)
    assert db.get(CourseVersion, enrolment.version_id).number == 1
    assert learn.course_progress(db, user_id=learner.id, course_id=course.id).lessons_total == 2
    assert learn.newer_version(db, enrolment).number == 2
    rows = learn.my_learning(db, user_id=learner.id)
    assert rows[0].newer is not None and rows[0].newer.number == 2
    # A new learner enrols in the live version.
    other = make_user(db)
    assert learn.enrol(db, user_id=other.id, course=course, now=NOW).version_id == course.published_version.id


def test_lessons_of_another_version_cannot_be_completed(db):
    learner = make_user(db)
    course = make_course(db, "V-5")
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    catalog.import_course(db, load_package_from_files(course_files("V-5", lessons=3)), now=NOW)
    db.expire_all()
    with pytest.raises(learn.NotEnrolled):
        learn.complete_lesson(db, user_id=learner.id, lesson=course.lessons[0], now=NOW)
    with pytest.raises(learn.NotEnrolled):
        learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW)


def test_moving_carries_over_lessons_by_slug_and_completes_when_done(db):
    learner = make_user(db)
    course = make_course(db, "V-6", lessons=2, quiz=False)
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    learn.complete_lesson(db, user_id=learner.id, lesson=course.lessons[0], now=NOW)
    # v2 drops lesson 2: everything left in v2 is already done.
    files = course_files("V-6", lessons=2, quiz=False, lesson_body="第二版。")
    del files["lessons/02-lesson-2.md"]
    catalog.import_course(db, load_package_from_files(files), now=NOW + timedelta(days=1))
    db.expire_all()
    learn.move_to_latest_version(db, user_id=learner.id, course=course, now=NOW + timedelta(days=2))
    progress = learn.course_progress(db, user_id=learner.id, course_id=course.id)
    assert (progress.lessons_done, progress.lessons_total) == (1, 1)
    assert progress.completed_at == NOW + timedelta(days=2)
    with pytest.raises(learn.LearningError):
        learn.move_to_latest_version(db, user_id=learner.id, course=course, now=NOW)


def test_moving_never_undoes_a_recorded_completion(db):
    learner = make_user(db)
    course = make_course(db, "V-7", lessons=1)
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    learn.complete_lesson(db, user_id=learner.id, lesson=course.lessons[0], now=NOW)
    attempt = learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW)
    learn.submit_attempt(db, user_id=learner.id, attempt_id=attempt.id,
                         raw_answers=by_token(attempt.layout, correct_answers(course)), now=NOW)
    assert learn.course_progress(db, user_id=learner.id, course_id=course.id).completed_at == NOW
    # v2 adds a lesson and changes the quiz: the quiz pass does not carry over...
    catalog.import_course(db, load_package_from_files(course_files("V-7", lessons=2, pass_mark=80)), now=NOW)
    db.expire_all()
    enrolment = learn.move_to_latest_version(db, user_id=learner.id, course=course, now=NOW + timedelta(days=1))
    assert enrolment.quiz_passed_at is None
    progress = learn.course_progress(db, user_id=learner.id, course_id=course.id)
    assert (progress.lessons_done, progress.lessons_total) == (1, 2)
    # ...but the recorded completion stays.
    assert progress.completed_at == NOW
    assert db.scalar(select(func.count()).select_from(CourseCompletion)) == 1


def test_an_unchanged_quiz_pass_carries_over(db):
    learner = make_user(db)
    course = make_course(db, "V-8", lessons=1)
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    attempt = learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW)
    learn.submit_attempt(db, user_id=learner.id, attempt_id=attempt.id,
                         raw_answers=by_token(attempt.layout, correct_answers(course)), now=NOW)
    catalog.import_course(db, load_package_from_files(course_files("V-8", lessons=2)), now=NOW)
    db.expire_all()
    enrolment = learn.move_to_latest_version(db, user_id=learner.id, course=course, now=NOW)
    assert enrolment.quiz_passed_at == NOW


def test_a_withdrawn_course_stays_readable_by_its_learners_only(db):
    learner = make_user(db)
    author = make_user(db, roles=("author",))
    course = make_course(db, "V-9")
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    authoring.archive_course(db, course, user=author, now=NOW)
    assert catalog.get_published_course(db, "V-9") is None
    assert learn.learning_version(db, user_id=learner.id, course=course).number == 1
    with pytest.raises(learn.LearningError):
        learn.enrol(db, user_id=make_user(db).id, course=course, now=NOW)
