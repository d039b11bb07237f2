"""Model -> JSON representations for the API (snake_case keys, UTC 'Z' times).

The answer key (which options are correct) and feedback are only ever emitted
by `attempt_result`, for a submitted attempt."""
from __future__ import annotations

from datetime import datetime

from content.spec import TERMS_FIELDS
from lms.courses.models import Course, CourseVersion, Lesson, Question, QuestionOption, Quiz
from lms.learn.models import Enrolment, QuizAttempt
from lms.learn.services import DEADLINE_GRACE, Progress


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
    }


def course_detail(course: Course) -> dict:
    return {
        **course_summary(course),
        "version": course.published_version.number if course.published_version else None,
        "terms": {field: getattr(course, f"{field}_html") or "" for field in TERMS_FIELDS},
        "lessons": [lesson_summary(lesson) for lesson in course.lessons],
        "quiz": quiz_summary(course.quiz),
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


def attempt_brief(attempt: QuizAttempt) -> dict:
    return {
        "id": attempt.id,
        "number": attempt.number,
        "started_at": iso(attempt.started_at),
        "deadline_at": iso(attempt.deadline_at),
        "submitted_at": iso(attempt.submitted_at),
        "score": attempt.score if attempt.submitted_at else None,
        "passed": attempt.passed if attempt.submitted_at else None,
    }


def enrolment(course: Course, row: Enrolment, p: Progress, *, done_slugs: list[str], attempts: list[QuizAttempt],
              attempts_left: int | None, version: CourseVersion, newer: CourseVersion | None) -> dict:
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
        "attempts": [attempt_brief(a) for a in attempts],
        "attempts_left": attempts_left,
        "progress": progress(p),
    }


def _question(question: Question, options: list[QuestionOption]) -> dict:
    return {
        "id": question.id,
        "kind": question.kind,
        "text_html": question.text_html,
        "points": question.points,
        "options": [{"id": o.id, "text_html": o.text_html} for o in options],
    }


def attempt_open(attempt: QuizAttempt, course: Course, items: list[tuple[Question, list[QuestionOption]]],
                 *, now: datetime) -> dict:
    """An attempt in progress: questions in their drawn order, never the key."""
    return {
        **attempt_brief(attempt),
        "course_code": course.code,
        "quiz_title": attempt.quiz.title,
        "status": "open" if attempt.deadline_at is None or now <= attempt.deadline_at + DEADLINE_GRACE else "expired",
        "server_time": iso(now),
        "questions": [_question(q, opts) for q, opts in items],
    }


def attempt_result(attempt: QuizAttempt, course: Course, items: list[tuple[Question, list[QuestionOption]]],
                   *, now: datetime) -> dict:
    """A submitted attempt: score, per-question correctness, key and feedback."""
    answers = {a.question_id: a for a in attempt.answers}
    questions = []
    for question, options in items:
        answer = answers.get(question.id)
        questions.append({
            **_question(question, options),
            "options": [{"id": o.id, "text_html": o.text_html, "is_correct": o.is_correct,
                         "feedback_html": o.feedback_html or ""} for o in options],
            "selected_option_ids": list(answer.selected_option_ids) if answer else [],
            "is_correct": bool(answer and answer.is_correct),
            "points_earned": answer.points if answer else 0,
            "correct_option_ids": [o.id for o in options if o.is_correct],
            "feedback_html": question.feedback_html or "",
        })
    return {
        **attempt_brief(attempt),
        "course_code": course.code,
        "quiz_title": attempt.quiz.title,
        "status": "submitted",
        "server_time": iso(now),
        "points_earned": attempt.points_earned,
        "points_possible": attempt.points_possible,
        "pass_mark": attempt.quiz.pass_mark,
        "questions": questions,
    }
