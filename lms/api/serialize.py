"""Model -> JSON representations for the API (snake_case keys, UTC 'Z' times).

Questions, options, matching items and answers are named by the attempt's own
tokens, never by database ids. The answer key and feedback are only ever
emitted by `attempt_result`, for a submitted attempt, and only what the quiz's
review options show at that moment."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from content.grading import MAX_NUMBER_CHARS, MAX_TEXT_ANSWER_CHARS
from content.spec import CHOICE_KINDS, REVIEW_ITEMS, TERMS_FIELDS
from lms.courses.models import Course, CourseVersion, Lesson, Quiz
from lms.learn.models import AttemptAnswer, Enrolment, QuizAttempt
from lms.learn.services import DEADLINE_GRACE, AttemptItem, Progress, Review


def iso(value: datetime | None) -> str | None:
    """Naive-UTC column value -> ISO 8601 with a 'Z'."""
    if value is None:
        return None
    return value.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def course_summary(course: Course) -> dict:
    return {
        "code": course.code,
        "title": course.title,
        "summary_html": course.summary_html or "",
        "skill_type": course.skill_type,
        "target_level": course.target_level,
        "language": course.language,
        "estimated_minutes": course.estimated_minutes or 0,
        "schemes": course.scheme_names,
        "audience": course.audience_names,
    }


def lesson_summary(lesson: Lesson) -> dict:
    return {"slug": lesson.slug, "title": lesson.title, "position": lesson.position,
            "estimated_minutes": lesson.estimated_minutes or 0}


def quiz_summary(quiz: Quiz | None) -> dict | None:
    if quiz is None:
        return None
    return {
        "title": quiz.title,
        "pass_mark": quiz.pass_mark,
        "attempts_allowed": quiz.attempts_allowed or 0,
        "time_limit_minutes": quiz.time_limit_minutes,
        "question_count": quiz.questions_per_attempt or len(quiz.questions),
        "review": {item: getattr(quiz, f"review_{item}") for item in REVIEW_ITEMS},
    }


def course_detail(course: Course) -> dict:
    return {
        **course_summary(course),
        "version": course.published_version.number if course.published_version else None,
        "terms": {field: getattr(course, f"{field}_html") or "" for field in TERMS_FIELDS},
        "lessons": [lesson_summary(lesson) for lesson in course.lessons],
        "quiz": quiz_summary(course.quiz),
        "policy_as_of": course.policy_as_of.isoformat() if course.policy_as_of else None,
        "review_by": course.review_by.isoformat() if course.review_by else None,
    }


def progress(p: Progress) -> dict:
    return {
        "lessons_done": p.lessons_done,
        "lessons_total": p.lessons_total,
        "has_quiz": p.has_quiz,
        "quiz_passed": p.quiz_passed,
        "percent": p.percent,
        "completed": p.completed_at is not None,
        "completed_at": iso(p.completed_at),
        "score": p.score,
    }


def attempt_brief(attempt: QuizAttempt, *, show_score: bool = True) -> dict:
    """`show_score`: the quiz's review options show scores now (else score is null)."""
    return {
        "id": attempt.id,
        "number": attempt.number,
        "started_at": iso(attempt.started_at),
        "deadline_at": iso(attempt.deadline_at),
        "submitted_at": iso(attempt.submitted_at),
        "score": attempt.score if attempt.submitted_at and show_score else None,
        "passed": attempt.passed if attempt.submitted_at else None,
    }


def enrolment(course: Course, row: Enrolment, p: Progress, *, done_slugs: list[str], attempts: list[QuizAttempt],
              attempts_left: int | None, version: CourseVersion, newer: CourseVersion | None,
              show_scores: bool = True) -> dict:
    last = next((lesson.slug for lesson in version.lessons if lesson.id == row.last_lesson_id), None)
    return {
        "course_code": course.code,
        "course_title": course.title,
        "version": version.number,
        "newer_version": newer.number if newer is not None else None,
        "enrolled_at": iso(row.enrolled_at),
        "source": row.source,
        "last_lesson_slug": last,
        "completed_lessons": done_slugs,
        "quiz_passed_at": iso(row.quiz_passed_at),
        "attempts": [attempt_brief(a, show_score=show_scores) for a in attempts],
        "attempts_left": attempts_left,
        "progress": progress(p),
    }


def _answer_limit(item: AttemptItem) -> int | None:
    kind = item.question.kind
    if kind == "essay":
        return item.question.essay_limit
    return {"short_answer": MAX_TEXT_ANSWER_CHARS, "numerical": MAX_NUMBER_CHARS}.get(kind)


def _question(item: AttemptItem) -> dict:
    question = item.question
    kind = question.kind
    return {
        "id": item.token,
        "kind": kind,
        "text_html": question.text_html,
        "points": question.points,
        "options": [{"id": token, "text_html": o.text_html} for o, token in item.options] if kind in CHOICE_KINDS
        else [],
        "items": [{"id": token, "text_html": o.text_html} for o, token in item.options] if kind == "matching"
        else [],
        "choices": [{"id": token, "text": o.match_text} for o, token in item.choices],
        "units": [unit for unit, _multiplier in question.units or ()] if kind == "numerical" else [],
        "max_chars": _answer_limit(item),
    }


def attempt_open(attempt: QuizAttempt, course: Course, items: list[AttemptItem], *, now: datetime) -> dict:
    """An attempt in progress: questions in their drawn order, never the key."""
    return {
        **attempt_brief(attempt),
        "course_code": course.code,
        "quiz_title": attempt.quiz.title,
        "status": "open" if attempt.deadline_at is None or now <= attempt.deadline_at + DEADLINE_GRACE else "expired",
        "server_time": iso(now),
        "questions": [_question(item) for item in items],
    }


def _response(item: AttemptItem, answer: AttemptAnswer | None) -> object:
    if answer is None:
        return None
    kind = item.question.kind
    if kind in CHOICE_KINDS:
        tokens = {o.id: token for o, token in item.options}
        return [tokens[oid] for oid in answer.selected_option_ids if oid in tokens]
    response = answer.response or {}
    if kind == "matching":
        items = {str(o.id): token for o, token in item.options}
        choices = {o.id: token for o, token in item.choices}
        return {items[i]: choices[c] for i, c in (response.get("pairs") or {}).items() if i in items and c in choices}
    return response.get("text")


def _right_answer(item: AttemptItem) -> dict:
    """The answer key of one question, in the attempt's tokens."""
    question = item.question
    kind = question.kind
    if kind in CHOICE_KINDS:
        return {"correct_options": [token for o, token in item.options if o.is_correct]}
    if kind == "short_answer":
        return {"accepted_answers": [{"text": o.text_md, "weight": o.weight} for o in question.options if o.weight]}
    if kind == "numerical":
        return {"accepted_ranges": [{"min": o.min_value, "max": o.max_value, "weight": o.weight}
                                    for o in question.options if o.weight and o.min_value is not None]}
    if kind == "matching":
        by_text = {o.match_text: token for o, token in item.choices}
        return {"correct_pairs": {token: by_text[o.match_text] for o, token in item.options if o.match_text in by_text}}
    return {}


def _result_question(item: AttemptItem, answer: AttemptAnswer | None, review: Review) -> dict:
    kind = item.question.kind
    response = _response(item, answer)
    awaiting = answer is not None and answer.state == "awaiting_grading"
    state = "awaiting_grading" if awaiting else ("graded" if response else "unanswered")
    graded = review.correctness and not awaiting
    chosen = set(answer.selected_option_ids) if answer is not None else set()
    key = {"correct_options": None, "accepted_answers": None, "accepted_ranges": None, "correct_pairs": None}
    if review.right_answers:
        key.update(_right_answer(item))
    matched = [o for o in item.question.options if o.id in chosen] if kind in ("short_answer", "numerical") else []
    question = _question(item)
    if kind in CHOICE_KINDS:
        question["options"] = [{"id": token, "text_html": o.text_html,
                                "is_correct": o.is_correct if review.right_answers else None,
                                "feedback_html": (o.feedback_html or "") if review.feedback and o.id in chosen else None}
                               for o, token in item.options]
    return {
        **question,
        "response": response,
        "state": state,
        "is_correct": (answer is not None and answer.fraction == 1) if graded else None,
        "fraction": ((answer.fraction or 0.0) if answer is not None else 0.0) if graded else None,
        "points_earned": (answer.points if answer is not None else 0.0) if graded else None,
        **key,
        "answer_feedback_html": (matched[0].feedback_html or "") if review.feedback and matched else None,
        "feedback_html": (item.question.feedback_html or "") if review.feedback else None,
    }


def attempt_result(attempt: QuizAttempt, course: Course, items: list[AttemptItem], *, now: datetime,
                   review: Review) -> dict:
    """A submitted attempt: what the quiz's review options show now (score,
    per-question correctness, the key, feedback); `review` says which."""
    answers = {a.question_id: a for a in attempt.answers}
    return {
        **attempt_brief(attempt, show_score=review.score),
        "course_code": course.code,
        "quiz_title": attempt.quiz.title,
        "status": "submitted",
        "awaiting_grading": attempt.passed is None,
        "server_time": iso(now),
        "points_earned": attempt.points_earned if review.score else None,
        "points_possible": attempt.points_possible,
        "pass_mark": attempt.quiz.pass_mark,
        "review": dataclasses.asdict(review),
        "questions": [_result_question(item, answers.get(item.question.id), review) for item in items],
    }
