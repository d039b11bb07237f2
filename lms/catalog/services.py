"""The catalogue: importing course packages and finding courses."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from content import render_markdown
from content.spec import SKILL_TYPES, TARGET_LEVELS, TERMS_FIELDS, CourseSpec, content_hash
from lms.catalog.models import Course, CourseAudience, CourseScheme, Lesson, Question, QuestionOption, Quiz


@dataclass(frozen=True)
class ImportResult:
    course: Course
    created: bool
    changed: bool


def import_course(session: Session, spec: CourseSpec, *, now: datetime, status: str = "published") -> ImportResult:
    """Create or update the course `spec.code` from a validated package.

    Idempotent: importing the same package again changes nothing. Lessons are
    matched by slug, so learners' lesson completions survive an update.
    """
    digest = content_hash(spec)
    course = session.scalar(select(Course).where(Course.code == spec.code))
    created = course is None
    if course is None:
        course = Course(code=spec.code, created_at=now, status=status)
        session.add(course)
    elif course.content_hash == digest:
        return ImportResult(course, created=False, changed=False)

    course.title = spec.title
    course.summary_md = spec.summary
    course.summary_html = render_markdown(spec.summary) if spec.summary else ""
    course.skill_type = spec.skill_type
    course.target_level = spec.target_level
    course.language = spec.language
    course.estimated_minutes = spec.estimated_minutes
    for field in TERMS_FIELDS:
        source = getattr(spec.terms, field)
        setattr(course, f"{field}_md", source)
        setattr(course, f"{field}_html", render_markdown(source) if source else "")
    course.content_hash = digest
    course.updated_at = now
    course.status = course.status if not created else status
    # Reconcile by value: replacing the rows wholesale would INSERT the new rows
    # before DELETEing the old ones and break the unique constraints on update.
    wanted_schemes = set(spec.schemes)
    course.schemes[:] = [row for row in course.schemes if row.scheme in wanted_schemes]
    course.audiences[:] = [row for row in course.audiences if row.staff_category in set(spec.audience)]
    session.flush()
    course.schemes.extend(CourseScheme(scheme=s) for s in sorted(wanted_schemes - {r.scheme for r in course.schemes}))
    course.audiences.extend(CourseAudience(staff_category=c)
                            for c in sorted(set(spec.audience) - {r.staff_category for r in course.audiences}))
    session.flush()
    _sync_lessons(session, course, spec)
    _replace_quiz(session, course, spec)
    session.flush()
    return ImportResult(course, created=created, changed=True)


def _sync_lessons(session: Session, course: Course, spec: CourseSpec) -> None:
    existing = {lesson.slug: lesson for lesson in course.lessons}
    wanted = {ls.slug for ls in spec.lessons}
    for slug, lesson in existing.items():
        if slug not in wanted:
            course.lessons.remove(lesson)
    session.flush()
    for item in spec.lessons:
        lesson = existing.get(item.slug)
        if lesson is None:
            lesson = Lesson(slug=item.slug)
            course.lessons.append(lesson)
        lesson.position = item.position
        lesson.title = item.title
        lesson.body_md = item.body_md
        lesson.body_html = item.body_html
        lesson.estimated_minutes = item.estimated_minutes


def _replace_quiz(session: Session, course: Course, spec: CourseSpec) -> None:
    """Questions are replaced wholesale; finished attempts keep their grades
    (answers of removed questions go with them, the attempt score stays)."""
    if spec.quiz is None:
        if course.quiz is not None:
            session.delete(course.quiz)
        return
    q = spec.quiz
    quiz = course.quiz
    if quiz is None:
        quiz = Quiz()
        session.add(quiz)
        course.quiz = quiz
    quiz.title = q.title
    quiz.pass_mark = q.pass_mark
    quiz.attempts_allowed = q.attempts_allowed
    quiz.shuffle_questions = q.shuffle_questions
    quiz.shuffle_options = q.shuffle_options
    quiz.time_limit_minutes = q.time_limit_minutes
    quiz.questions_per_attempt = q.questions_per_attempt
    quiz.questions[:] = [
        Question(
            position=i, kind=item.kind, text_md=item.text_md, text_html=item.text_html,
            feedback_md=item.feedback_md, feedback_html=item.feedback_html, points=item.points,
            options=[
                QuestionOption(position=j, text_md=o.text_md, text_html=o.text_html, is_correct=o.correct,
                               feedback_md=o.feedback_md, feedback_html=o.feedback_html)
                for j, o in enumerate(item.options, start=1)
            ],
        )
        for i, item in enumerate(q.questions, start=1)
    ]


@dataclass(frozen=True)
class CatalogFilter:
    skill_type: str | None = None
    target_level: str | None = None
    scheme: str | None = None
    audience: str | None = None
    language: str | None = None
    keyword: str | None = None


def published_courses_query(flt: CatalogFilter):
    stmt = select(Course).where(Course.status == "published")
    if flt.skill_type:
        stmt = stmt.where(Course.skill_type == flt.skill_type)
    if flt.target_level:
        stmt = stmt.where(Course.target_level == flt.target_level)
    if flt.language:
        stmt = stmt.where(Course.language == flt.language)
    if flt.scheme:
        stmt = stmt.where(Course.schemes.any(CourseScheme.scheme == flt.scheme))
    if flt.audience:
        # A course with no audience listed is for everyone.
        stmt = stmt.where(or_(Course.audiences.any(CourseAudience.staff_category == flt.audience), ~Course.audiences.any()))
    if flt.keyword:
        # Substring match works for Chinese, which has no word boundaries; ILIKE so
        # "pension" finds "Pension" on PostgreSQL as it does on SQLite.
        pattern = "%" + flt.keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        lesson_hit = select(Lesson.id).where(
            Lesson.course_id == Course.id,
            or_(Lesson.title.ilike(pattern, escape="\\"), Lesson.body_md.ilike(pattern, escape="\\")),
        ).exists()
        stmt = stmt.where(or_(Course.title.ilike(pattern, escape="\\"), Course.summary_md.ilike(pattern, escape="\\"),
                              Course.code.ilike(pattern, escape="\\"), lesson_hit))
    return stmt.order_by(Course.skill_type, Course.target_level, Course.code)


def find_courses(session: Session, flt: CatalogFilter) -> list[Course]:
    return list(session.scalars(published_courses_query(flt)))


def matrix_counts(session: Session, flt: CatalogFilter | None = None) -> dict[tuple[str, str], int]:
    """Published courses per (skill type, target level) cell, all nine cells present."""
    base = published_courses_query(flt or CatalogFilter()).order_by(None).subquery()
    rows = session.execute(select(base.c.skill_type, base.c.target_level, func.count()).group_by(base.c.skill_type, base.c.target_level))
    counts = {(s, t): 0 for s in SKILL_TYPES for t in TARGET_LEVELS}
    for skill, level, n in rows:
        counts[(skill, level)] = n
    return counts


def get_published_course(session: Session, code: str) -> Course | None:
    return session.scalar(
        select(Course).where(Course.code == code, Course.status == "published").options(selectinload(Course.lessons))
    )
