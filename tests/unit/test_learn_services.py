"""The learner's journey at the service layer: enrolment, lessons, quizzes,
course completion and suggestions. Every test passes `now` explicitly."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.learn import services as learn
from lms.learn.models import AttemptAnswer, CourseCompletion, Enrolment, LessonCompletion, QuizAttempt
from tests.builders import NOW, by_token, correct_answers, make_course, make_user, wrong_answers


def count(db, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where))


def finish_lessons(db, user, course, now=NOW) -> bool:
    completed = False
    for lesson in course.lessons:
        completed = learn.complete_lesson(db, user_id=user.id, lesson=lesson, now=now) or completed
    return completed


def questions_by_kind(course) -> dict:
    return {q.kind: q for q in course.quiz.questions}


def take_quiz(db, user, course, answers, now=NOW):
    """Start an attempt and submit `answers` ({question id: [option ids]}) in its tokens."""
    attempt = learn.start_attempt(db, user_id=user.id, quiz=course.quiz, now=now)
    return learn.submit_attempt(db, user_id=user.id, attempt_id=attempt.id,
                                raw_answers=by_token(attempt.layout, answers), now=now)


def submit(db, user, attempt, answers, now=NOW):
    return learn.submit_attempt(db, user_id=user.id, attempt_id=attempt.id,
                                raw_answers=by_token(attempt.layout, answers), now=now)


def completion_of(db, user, course) -> CourseCompletion | None:
    return db.scalar(select(CourseCompletion).where(CourseCompletion.user_id == user.id,
                                                    CourseCompletion.course_id == course.id))


@pytest.fixture
def learner(db):
    return make_user(db)


@pytest.fixture
def course(db):
    return make_course(db)


@pytest.fixture
def enrolled(db, learner, course):
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    return learner


# ---- enrolment -------------------------------------------------------------

def test_enrol_is_idempotent(db, learner, course):
    first = learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    second = learn.enrol(db, user_id=learner.id, course=course, now=NOW + timedelta(days=1))
    assert first.id == second.id
    assert second.enrolled_at == NOW  # the original enrolment is kept
    assert count(db, Enrolment, Enrolment.user_id == learner.id) == 1


def test_enrol_refused_for_unpublished_course(db, learner, course):
    course.status = "draft"
    with pytest.raises(learn.LearningError):
        learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    assert count(db, Enrolment) == 0


def test_lesson_needs_enrolment(db, learner, course):
    with pytest.raises(learn.NotEnrolled):
        learn.complete_lesson(db, user_id=learner.id, lesson=course.lessons[0], now=NOW)
    assert count(db, LessonCompletion) == 0


# ---- lessons and completion without a quiz -----------------------------------

def test_complete_lesson_twice_is_harmless(db, enrolled, course):
    lesson = course.lessons[0]
    learn.complete_lesson(db, user_id=enrolled.id, lesson=lesson, now=NOW)
    learn.complete_lesson(db, user_id=enrolled.id, lesson=lesson, now=NOW + timedelta(hours=1))
    assert count(db, LessonCompletion, LessonCompletion.user_id == enrolled.id) == 1
    done_at = db.scalar(select(LessonCompletion.completed_at).where(LessonCompletion.lesson_id == lesson.id))
    assert done_at == NOW
    progress = learn.course_progress(db, user_id=enrolled.id, course_id=course.id)
    assert (progress.lessons_done, progress.lessons_total) == (1, 2)


def test_course_without_quiz_completes_when_all_lessons_done(db, learner):
    course = make_course(db, "NQ-1", quiz=False, lessons=3)
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    results = [learn.complete_lesson(db, user_id=learner.id, lesson=ls, now=NOW + timedelta(minutes=i))
               for i, ls in enumerate(course.lessons)]
    assert results == [False, False, True]
    completion = completion_of(db, learner, course)
    assert completion is not None
    assert completion.completed_at == NOW + timedelta(minutes=2)
    assert completion.score is None
    assert learn.course_progress(db, user_id=learner.id, course_id=course.id).percent == 100


def test_completing_again_records_course_once(db, learner):
    course = make_course(db, "NQ-2", quiz=False, lessons=1)
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    assert learn.complete_lesson(db, user_id=learner.id, lesson=course.lessons[0], now=NOW) is True
    assert learn.complete_lesson(db, user_id=learner.id, lesson=course.lessons[0], now=NOW + timedelta(days=1)) is False
    assert learn.complete_course_if_done(db, user_id=learner.id, course_id=course.id, now=NOW + timedelta(days=2)) is False
    assert count(db, CourseCompletion) == 1
    assert completion_of(db, learner, course).completed_at == NOW


# ---- completion with a quiz --------------------------------------------------

def test_quiz_course_needs_lessons_and_pass_lessons_first(db, enrolled, course):
    assert finish_lessons(db, enrolled, course) is False
    assert completion_of(db, enrolled, course) is None
    progress = learn.course_progress(db, user_id=enrolled.id, course_id=course.id)
    assert progress.percent < 100 and not progress.quiz_passed

    graded = take_quiz(db, enrolled, course, correct_answers(course), now=NOW + timedelta(hours=1))
    assert graded.attempt.passed and graded.completed_course
    completion = completion_of(db, enrolled, course)
    assert completion.completed_at == NOW + timedelta(hours=1)
    assert completion.score == 100.0


def test_quiz_course_needs_lessons_and_pass_quiz_first(db, enrolled, course):
    graded = take_quiz(db, enrolled, course, correct_answers(course))
    assert graded.attempt.passed
    assert graded.completed_course is False
    assert completion_of(db, enrolled, course) is None
    assert learn.course_progress(db, user_id=enrolled.id, course_id=course.id).quiz_passed

    learn.complete_lesson(db, user_id=enrolled.id, lesson=course.lessons[0], now=NOW)
    assert completion_of(db, enrolled, course) is None
    assert learn.complete_lesson(db, user_id=enrolled.id, lesson=course.lessons[1], now=NOW + timedelta(hours=2)) is True
    completion = completion_of(db, enrolled, course)
    assert completion.completed_at == NOW + timedelta(hours=2)
    assert completion.score == 100.0


def test_failed_quiz_does_not_complete(db, enrolled, course):
    finish_lessons(db, enrolled, course)
    graded = take_quiz(db, enrolled, course, wrong_answers(course))
    assert graded.attempt.passed is False and graded.attempt.score == 0.0
    assert graded.completed_course is False
    assert completion_of(db, enrolled, course) is None
    assert learn.course_progress(db, user_id=enrolled.id, course_id=course.id).quiz_passed is False


def test_completion_never_regresses_after_a_failing_attempt(db, enrolled, course):
    finish_lessons(db, enrolled, course)
    answers = correct_answers(course)
    # Two of three right: 66.67 %, above the pass mark of 60.
    tf = questions_by_kind(course)["true_false"]
    answers[tf.id] = [next(o.id for o in tf.options if not o.is_correct)]
    first = take_quiz(db, enrolled, course, answers)
    assert first.attempt.passed and first.completed_course
    assert first.attempt.score == pytest.approx(66.67)

    later = take_quiz(db, enrolled, course, wrong_answers(course), now=NOW + timedelta(days=1))
    assert later.attempt.passed is False
    assert later.completed_course is False
    completion = completion_of(db, enrolled, course)
    assert completion.completed_at == NOW
    assert completion.score == pytest.approx(66.67)
    progress = learn.course_progress(db, user_id=enrolled.id, course_id=course.id)
    assert progress.completed_at == NOW and progress.quiz_passed and progress.percent == 100
    assert count(db, CourseCompletion) == 1


def test_completion_score_is_the_best_score(db, enrolled, course):
    finish_lessons(db, enrolled, course)
    answers = correct_answers(course)
    tf = questions_by_kind(course)["true_false"]
    answers[tf.id] = []  # unanswered: 2 of 3
    take_quiz(db, enrolled, course, answers)
    assert completion_of(db, enrolled, course).score == pytest.approx(66.67)

    better = take_quiz(db, enrolled, course, correct_answers(course), now=NOW + timedelta(days=1))
    assert better.attempt.score == 100.0
    completion = completion_of(db, enrolled, course)
    assert completion.completed_at == NOW  # recorded once, date kept
    assert completion.score == 100.0
    assert learn.course_progress(db, user_id=enrolled.id, course_id=course.id).score == 100.0


def test_best_score_over_failed_attempts_before_passing(db, enrolled, course):
    take_quiz(db, enrolled, course, wrong_answers(course))
    take_quiz(db, enrolled, course, correct_answers(course), now=NOW + timedelta(minutes=5))
    assert finish_lessons(db, enrolled, course, now=NOW + timedelta(minutes=10)) is True
    assert completion_of(db, enrolled, course).score == 100.0


# ---- grading -----------------------------------------------------------------

def grade_one(db, user, course, question, option_ids):
    """Submit an attempt answering only `question`; return its AttemptAnswer."""
    attempt = learn.start_attempt(db, user_id=user.id, quiz=course.quiz, now=NOW)
    raw = by_token(attempt.layout, {question.id: option_ids}) if option_ids is not None else {}
    learn.submit_attempt(db, user_id=user.id, attempt_id=attempt.id, raw_answers=raw, now=NOW)
    return next(a for a in attempt.answers if a.question_id == question.id)


def test_grading_single_choice(db, enrolled, course):
    q = questions_by_kind(course)["single"]
    right = next(o for o in q.options if o.is_correct)
    wrong = next(o for o in q.options if not o.is_correct)
    assert grade_one(db, enrolled, course, q, [right.id]).is_correct is True
    answer = grade_one(db, enrolled, course, q, [wrong.id])
    assert answer.is_correct is False and answer.points == 0
    assert answer.selected_option_ids == [wrong.id]


def test_grading_true_false(db, enrolled, course):
    q = questions_by_kind(course)["true_false"]
    assert len(q.options) == 2
    right = next(o for o in q.options if o.is_correct)
    wrong = next(o for o in q.options if not o.is_correct)
    assert grade_one(db, enrolled, course, q, [right.id]).is_correct is True
    assert grade_one(db, enrolled, course, q, [wrong.id]).is_correct is False


def test_grading_multiple_needs_the_exact_set(db, enrolled, course):
    q = questions_by_kind(course)["multiple"]
    right = [o.id for o in q.options if o.is_correct]
    wrong = [o.id for o in q.options if not o.is_correct]
    assert len(right) == 2
    assert grade_one(db, enrolled, course, q, right).is_correct is True
    assert grade_one(db, enrolled, course, q, right[:1]).is_correct is False  # a subset
    assert grade_one(db, enrolled, course, q, right + wrong).is_correct is False  # a superset
    assert grade_one(db, enrolled, course, q, wrong).is_correct is False


def test_unanswered_counts_as_wrong(db, enrolled, course):
    attempt = learn.start_attempt(db, user_id=enrolled.id, quiz=course.quiz, now=NOW)
    graded = learn.submit_attempt(db, user_id=enrolled.id, attempt_id=attempt.id, raw_answers={}, now=NOW)
    a = graded.attempt
    assert (a.points_earned, a.points_possible, a.score, a.passed) == (0, 3, 0.0, False)
    assert len(a.answers) == 3
    assert all(not ans.is_correct and ans.selected_option_ids == [] for ans in a.answers)
    # An empty list for a question is also unanswered.
    attempt = learn.start_attempt(db, user_id=enrolled.id, quiz=course.quiz, now=NOW)
    graded = submit(db, enrolled, attempt, {q.id: [] for q in course.quiz.questions})
    assert graded.attempt.score == 0.0


def test_score_counts_points(db, enrolled, course):
    answers = correct_answers(course)
    del answers[questions_by_kind(course)["multiple"].id]
    graded = take_quiz(db, enrolled, course, answers)
    assert (graded.attempt.points_earned, graded.attempt.points_possible) == (2, 3)
    assert graded.attempt.score == pytest.approx(66.67)
    assert graded.attempt.passed is True  # pass mark 60


def test_pass_mark_is_respected(db, learner):
    course = make_course(db, "PM-1", pass_mark=100)
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    answers = correct_answers(course)
    del answers[questions_by_kind(course)["single"].id]
    assert take_quiz(db, learner, course, answers).attempt.passed is False
    assert take_quiz(db, learner, course, correct_answers(course)).attempt.passed is True


def test_options_of_another_question_are_refused_and_nothing_written(db, enrolled, course):
    single = questions_by_kind(course)["single"]
    multiple = questions_by_kind(course)["multiple"]
    attempt = learn.start_attempt(db, user_id=enrolled.id, quiz=course.quiz, now=NOW)
    db.commit()
    entries = {entry["q"]: entry for entry in attempt.layout}
    foreign = [token for oid, token in entries[multiple.id]["o"] if oid in correct_answers(course)[multiple.id]][:1]
    with pytest.raises(learn.InvalidAnswers):
        learn.submit_attempt(db, user_id=enrolled.id, attempt_id=attempt.id,
                             raw_answers={entries[single.id]["t"]: foreign}, now=NOW)
    db.rollback()
    fresh = db.get(QuizAttempt, attempt.id)
    db.refresh(fresh)
    assert fresh.submitted_at is None and fresh.score is None
    assert count(db, AttemptAnswer) == 0
    # The attempt is still open and can be submitted properly.
    graded = submit(db, enrolled, fresh, correct_answers(course))
    assert graded.attempt.score == 100.0


@pytest.mark.parametrize("raw", [
    "an option of another attempt",
    "a question of another attempt",
    "a database id instead of a token",
    "two answers to a single-choice question",
    "an object for a choice question",
    "unknown token",
])
def test_malformed_answers_are_refused(db, enrolled, course, raw):
    other = make_course(db, "OT-1")
    learn.enrol(db, user_id=enrolled.id, course=other, now=NOW)
    theirs = learn.start_attempt(db, user_id=enrolled.id, quiz=other.quiz, now=NOW)
    attempt = learn.start_attempt(db, user_id=enrolled.id, quiz=course.quiz, now=NOW)
    single = questions_by_kind(course)["single"]
    mine = {e["q"]: e for e in attempt.layout}[single.id]
    their_single = {e["q"]: e for e in theirs.layout}[questions_by_kind(other)["single"].id]
    if raw == "an option of another attempt":
        answers = {mine["t"]: [their_single["o"][0][1]]}
    elif raw == "a question of another attempt":
        answers = {their_single["t"]: [their_single["o"][0][1]]}
    elif raw == "a database id instead of a token":
        answers = {mine["t"]: [str(single.options[0].id)]}
    elif raw == "two answers to a single-choice question":
        answers = {mine["t"]: [token for _oid, token in mine["o"]]}
    elif raw == "an object for a choice question":
        answers = {mine["t"]: {mine["o"][0][1]: mine["o"][1][1]}}
    else:
        answers = {"0123456789ab": []}
    with pytest.raises(learn.InvalidAnswers):
        learn.submit_attempt(db, user_id=enrolled.id, attempt_id=attempt.id, raw_answers=answers, now=NOW)
    assert count(db, AttemptAnswer) == 0
    assert db.scalar(select(QuizAttempt.submitted_at).where(QuizAttempt.id == attempt.id)) is None


def test_replay_of_a_submitted_attempt_is_refused(db, enrolled, course):
    finish_lessons(db, enrolled, course)
    attempt = learn.start_attempt(db, user_id=enrolled.id, quiz=course.quiz, now=NOW)
    submit(db, enrolled, attempt, wrong_answers(course))
    db.commit()
    with pytest.raises(learn.AttemptClosed):
        submit(db, enrolled, attempt, correct_answers(course), now=NOW + timedelta(minutes=1))
    db.rollback()
    fresh = db.get(QuizAttempt, attempt.id)
    db.refresh(fresh)
    assert fresh.score == 0.0 and fresh.passed is False and fresh.submitted_at == NOW
    assert count(db, AttemptAnswer) == 3
    assert completion_of(db, enrolled, course) is None


def test_another_learners_attempt_cannot_be_submitted(db, enrolled, course):
    attempt = learn.start_attempt(db, user_id=enrolled.id, quiz=course.quiz, now=NOW)
    intruder = make_user(db)
    learn.enrol(db, user_id=intruder.id, course=course, now=NOW)
    assert learn.get_attempt(db, attempt_id=attempt.id, user_id=intruder.id) is None
    with pytest.raises(learn.AttemptClosed):
        submit(db, intruder, attempt, correct_answers(course))
    assert db.scalar(select(QuizAttempt.submitted_at).where(QuizAttempt.id == attempt.id)) is None


# ---- attempts ------------------------------------------------------------------

def test_quiz_needs_enrolment(db, learner, course):
    with pytest.raises(learn.NotEnrolled):
        learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW)
    assert count(db, QuizAttempt) == 0


def test_attempts_limit(db, learner):
    course = make_course(db, "AL-1", attempts=1)
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    take_quiz(db, learner, course, wrong_answers(course))
    assert learn.attempts_left(course.quiz, learn.attempts_of(db, user_id=learner.id, quiz_id=course.quiz.id)) == 0
    with pytest.raises(learn.NoAttemptsLeft):
        learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW + timedelta(hours=1))
    assert count(db, QuizAttempt) == 1


def test_attempts_limit_of_two_counts_down(db, learner):
    course = make_course(db, "AL-2", attempts=2)
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    first = take_quiz(db, learner, course, wrong_answers(course)).attempt
    second = take_quiz(db, learner, course, wrong_answers(course)).attempt
    assert (first.number, second.number) == (1, 2)
    with pytest.raises(learn.NoAttemptsLeft):
        learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW)


def test_unlimited_attempts(db, enrolled, course):
    for _ in range(4):
        take_quiz(db, enrolled, course, wrong_answers(course))
    assert learn.attempts_left(course.quiz, learn.attempts_of(db, user_id=enrolled.id, quiz_id=course.quiz.id)) is None
    assert count(db, QuizAttempt) == 4


def test_open_attempt_is_resumed_not_duplicated(db, learner):
    course = make_course(db, "RS-1", attempts=1)
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    first = learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW)
    again = learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW + timedelta(minutes=10))
    assert again.id == first.id
    assert again.layout == first.layout
    assert count(db, QuizAttempt) == 1


def test_time_limit_late_submission_is_graded_unanswered(db, learner):
    course = make_course(db, "TL-1", quiz_extra="time_limit_minutes = 10")
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    attempt = learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW)
    assert attempt.deadline_at == NOW + timedelta(minutes=10)
    late = NOW + timedelta(minutes=10) + learn.DEADLINE_GRACE + timedelta(seconds=1)
    graded = submit(db, learner, attempt, correct_answers(course), now=late)
    assert graded.late is True
    assert graded.attempt.score == 0.0 and graded.attempt.passed is False
    assert all(a.selected_option_ids == [] for a in graded.attempt.answers)


def test_time_limit_within_grace_counts(db, learner):
    course = make_course(db, "TL-2", quiz_extra="time_limit_minutes = 10")
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    attempt = learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW)
    just_in_time = NOW + timedelta(minutes=10) + learn.DEADLINE_GRACE
    graded = submit(db, learner, attempt, correct_answers(course), now=just_in_time)
    assert graded.late is False and graded.attempt.score == 100.0


def test_expired_attempt_is_closed_when_a_new_one_starts(db, learner):
    course = make_course(db, "TL-3", quiz_extra="time_limit_minutes = 10")
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    first = learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW)
    second = learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW + timedelta(hours=1))
    assert second.id != first.id and second.number == 2
    db.refresh(first)
    assert first.submitted_at is not None and first.score == 0.0 and first.passed is False


# ---- question pool and shuffling ----------------------------------------------------

def test_question_pool_draws_distinct_questions(db, learner):
    course = make_course(db, "QP-1", quiz_extra="questions_per_attempt = 2")
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    all_ids = {q.id for q in course.quiz.questions}
    seen = set()
    for seed in range(12):
        layout = learn.draw_layout(course.quiz, random.Random(seed))
        ids = [entry["q"] for entry in layout]
        assert len(ids) == 2 and len(set(ids)) == 2
        assert set(ids) <= all_ids
        seen |= set(ids)
    assert seen == all_ids  # every question can be drawn

    attempt = learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW)
    assert len(attempt.layout) == 2
    graded = submit(db, learner, attempt, correct_answers(course))
    assert graded.attempt.points_possible == 2 and graded.attempt.score == 100.0
    assert len(graded.attempt.answers) == 2


def test_answer_to_an_undrawn_question_is_refused(db, learner):
    course = make_course(db, "QP-2", quiz_extra="questions_per_attempt = 2")
    learn.enrol(db, user_id=learner.id, course=course, now=NOW)
    attempt = learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=NOW, rng=random.Random(1))
    drawn = {entry["q"] for entry in attempt.layout}
    undrawn = next(q for q in course.quiz.questions if q.id not in drawn)
    with pytest.raises(learn.InvalidAnswers):  # it has no token in this attempt: its id is all one could send
        learn.submit_attempt(db, user_id=learner.id, attempt_id=attempt.id,
                             raw_answers={str(undrawn.id): [str(undrawn.options[0].id)]}, now=NOW)


def test_shuffling_keeps_the_same_questions_and_options(db):
    course = make_course(db, "SH-1", quiz_extra="shuffle_questions = true\nshuffle_options = true")
    quiz = course.quiz
    assert quiz.shuffle_questions and quiz.shuffle_options
    expected = {q.id: sorted(o.id for o in q.options) for q in quiz.questions}
    orders = set()
    for seed in range(20):
        layout = learn.draw_layout(quiz, random.Random(seed))
        assert {e["q"]: sorted(oid for oid, _token in e["o"]) for e in layout} == expected
        assert len(layout) == len(expected)
        orders.add(tuple(e["q"] for e in layout))
    assert len(orders) > 1  # the order really changes


# ---- my learning and suggestions -------------------------------------------------------

def test_my_learning_lists_enrolments_with_progress(db, enrolled, course):
    other = make_course(db, "ML-1", quiz=False, lessons=1)
    learn.enrol(db, user_id=enrolled.id, course=other, now=NOW + timedelta(days=1))
    learn.complete_lesson(db, user_id=enrolled.id, lesson=other.lessons[0], now=NOW + timedelta(days=1))
    learn.complete_lesson(db, user_id=enrolled.id, lesson=course.lessons[0], now=NOW + timedelta(days=1))
    rows = {r.course.code: r for r in learn.my_learning(db, user_id=enrolled.id)}
    assert set(rows) == {"T-101", "ML-1"}
    assert rows["ML-1"].progress.completed_at is not None
    assert rows["T-101"].progress.completed_at is None
    assert rows["T-101"].progress.lessons_done == 1
    # 1 of 2 lessons plus an unpassed quiz: one step of three.
    assert rows["T-101"].progress.percent == 33


def test_suggestions_for_staff_category_exclude_enrolled_courses(db):
    manager = make_user(db, staff_category="manager")
    for_managers = make_course(db, "SG-1", audience=("manager",))
    taken = make_course(db, "SG-2", audience=("manager",))
    for_everyone = make_course(db, "SG-3", audience=())
    make_course(db, "SG-4", audience=("staff",))
    draft = make_course(db, "SG-5", audience=("manager",))
    draft.status = "draft"
    db.flush()
    learn.enrol(db, user_id=manager.id, course=taken, now=NOW)
    codes = [c.code for c in learn.suggestions(db, user_id=manager.id, staff_category="manager")]
    assert set(codes) == {for_managers.code, for_everyone.code}
    assert codes[0] == for_managers.code  # courses meant for the category come first
    assert learn.suggestions(db, user_id=manager.id, staff_category="manager", limit=1)[0].code == "SG-1"


def test_an_expired_last_attempt_is_graded_when_the_learner_comes_back(db, now):
    learner = make_user(db)
    course = make_course(db, attempts=1, quiz_extra="time_limit_minutes = 10")
    learn.enrol(db, user_id=learner.id, course=course, now=now)
    attempt = learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=now)
    later = now + timedelta(minutes=30)
    with pytest.raises(learn.NoAttemptsLeft):
        learn.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=later)
    assert attempt.submitted_at == later and attempt.score == 0.0 and attempt.passed is False
