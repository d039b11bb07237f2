"""The catalogue: importing course packages and finding courses."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from content import render_markdown
from content.spec import (
    SKILL_TYPES,
    TARGET_LEVELS,
    TERMS_FIELDS,
    CompletionSpec,
    CourseSpec,
    EvaluationSpec,
    LessonSpec,
    OptionSpec,
    QuestionSpec,
    QuizSpec,
    ReviewSpec,
    TaskSpec,
    TermsOfReference,
    UnitSpec,
    content_hash,
)
from lms import events
from lms.courses.models import (
    Course,
    CourseAudience,
    CourseEvaluation,
    CourseScheme,
    CourseTask,
    CourseVersion,
    Lesson,
    Question,
    QuestionOption,
    Quiz,
)
from lms.dbutil import any_contains
from lms.msgids import N_
from lms.search import services as search


@dataclass(frozen=True)
class ImportResult:
    course: Course
    created: bool
    changed: bool
    version: CourseVersion | None = None
    # Set when the package was not imported because the platform published the
    # course itself after the package was last imported (see import_course).
    kept_platform_version: bool = False


def latest_version(session: Session, course_id: int) -> CourseVersion | None:
    return session.scalar(select(CourseVersion).where(CourseVersion.course_id == course_id)
                          .order_by(CourseVersion.number.desc()).limit(1))


def published_version(session: Session, course_id: int) -> CourseVersion | None:
    return session.scalar(select(CourseVersion).where(CourseVersion.course_id == course_id,
                                                      CourseVersion.status == "published"))


def open_version(session: Session, course_id: int) -> CourseVersion | None:
    """The version being worked on (draft or in review), if any."""
    return session.scalar(select(CourseVersion).where(CourseVersion.course_id == course_id,
                                                      CourseVersion.status.in_(("draft", "review")))
                          .order_by(CourseVersion.number.desc()).limit(1))


def get_version(session: Session, course_id: int, number: int) -> CourseVersion | None:
    return session.scalar(select(CourseVersion).where(CourseVersion.course_id == course_id,
                                                      CourseVersion.number == number))


def version_spec(version: CourseVersion, *, images: tuple[str, ...] = ()) -> CourseSpec:
    """The package description of a stored version (exact inverse of fill_version)."""
    quiz = None
    if version.quiz is not None:
        q = version.quiz
        quiz = QuizSpec(
            title=q.title, pass_mark=q.pass_mark, attempts_allowed=q.attempts_allowed,
            shuffle_questions=q.shuffle_questions, shuffle_options=q.shuffle_options,
            time_limit_minutes=q.time_limit_minutes, questions_per_attempt=q.questions_per_attempt,
            questions=tuple(
                QuestionSpec(kind=item.kind, text_md=item.text_md, text_html=item.text_html,
                             feedback_md=item.feedback_md, feedback_html=item.feedback_html, points=item.points,
                             options=tuple(OptionSpec(o.text_md, o.text_html, o.is_correct, o.feedback_md,
                                                      o.feedback_html, weight=o.weight, min_value=o.min_value,
                                                      max_value=o.max_value, match=o.match_text)
                                           for o in item.options),
                             title=item.title, units=tuple(UnitSpec(u, float(m)) for u, m in item.units or ()),
                             max_chars=item.max_chars)
                for item in q.questions),
            review=ReviewSpec(score=q.review_score, correctness=q.review_correctness,
                              right_answers=q.review_right_answers, feedback=q.review_feedback),
        )
    return CourseSpec(
        code=version.course.code, title=version.title, summary=version.summary_md, skill_type=version.skill_type,
        target_level=version.target_level, language=version.language, estimated_minutes=version.estimated_minutes,
        schemes=tuple(version.schemes or ()), audience=tuple(version.audience or ()),
        terms=TermsOfReference(**{f: getattr(version, f"{f}_md") for f in TERMS_FIELDS}),
        lessons=tuple(LessonSpec(slug=ls.slug, position=ls.position, title=ls.title, body_md=ls.body_md,
                                 body_html=ls.body_html, estimated_minutes=ls.estimated_minutes)
                      for ls in version.lessons),
        quiz=quiz, images=images,
        tasks=tuple(TaskSpec(slug=t.slug, title=t.title, instructions_md=t.instructions_md,
                             instructions_html=t.instructions_html) for t in version.tasks),
        evaluation=(EvaluationSpec(title=version.evaluation.title, instructions_md=version.evaluation.instructions_md,
                                   instructions_html=version.evaluation.instructions_html,
                                   max_score=version.evaluation.max_score)
                    if version.evaluation is not None else None),
        completion=completion_spec(version), certificate_validity_days=version.certificate_validity_days,
        policy_as_of=version.policy_as_of, review_by=version.review_by,
    )


def completion_spec(version: CourseVersion) -> CompletionSpec:
    return CompletionSpec(lessons=version.require_lessons, quiz=version.require_quiz,
                          sessions=version.required_sessions, tasks=version.require_tasks,
                          evaluation=version.require_evaluation)


def delivery_mode(version: CourseVersion) -> str:
    """online: lessons or a quiz only; classroom: sessions required and nothing
    to do online; blended: both, or on-the-job tasks or a manager evaluation
    (with or without online items)."""
    online = (bool(version.lessons) and version.require_lessons) or (version.quiz is not None and version.require_quiz)
    sessions = version.required_sessions > 0
    work = bool(version.tasks) or version.evaluation is not None
    if sessions and not online and not work:
        return "classroom"
    if not sessions and not work:
        return "online"
    return "blended"


def copy_metadata(target, source) -> None:
    """Copy the descriptive columns between a course and a version (either way)."""
    for column in METADATA_COLUMNS:
        setattr(target, column, getattr(source, column))


METADATA_COLUMNS = ("title", "summary_md", "summary_html", "skill_type", "target_level", "language",
                    "estimated_minutes", *(f"{f}_{k}" for f in TERMS_FIELDS for k in ("md", "html")), "content_hash",
                    "certificate_validity_days", "policy_as_of", "review_by")


def fill_version(session: Session, version: CourseVersion, spec: CourseSpec) -> None:
    """Set a (new or draft) version's metadata, lessons and quiz from a spec.
    HTML comes from the spec, which content rendered once at load."""
    if version.status != "draft":
        raise VersionStateError(N_("Only a draft can be changed; published versions are never edited."))
    version.title = spec.title
    version.summary_md = spec.summary
    version.summary_html = render_markdown(spec.summary) if spec.summary else ""
    version.skill_type = spec.skill_type
    version.target_level = spec.target_level
    version.language = spec.language
    version.estimated_minutes = spec.estimated_minutes
    version.certificate_validity_days = spec.certificate_validity_days
    version.policy_as_of, version.review_by = spec.policy_as_of, spec.review_by
    for field in TERMS_FIELDS:
        source = getattr(spec.terms, field)
        setattr(version, f"{field}_md", source)
        setattr(version, f"{field}_html", render_markdown(source) if source else "")
    # Kept in the package's order, so export -> import gives the same content hash.
    version.schemes = list(spec.schemes)
    version.audience = list(spec.audience)
    version.content_hash = content_hash(spec)
    # Replace content rows wholesale; delete first so (version, slug) stays unique.
    version.lessons.clear()
    if version.quiz is not None:
        version.quiz = None
    version.tasks.clear()
    if version.evaluation is not None:
        version.evaluation = None
    session.flush()
    rules = spec.completion
    version.require_lessons, version.require_quiz, version.required_sessions = rules.lessons, rules.quiz, rules.sessions
    version.require_tasks, version.require_evaluation = rules.tasks, rules.evaluation
    version.tasks.extend(
        CourseTask(course_id=version.course_id, position=i, slug=t.slug, title=t.title,
                   instructions_md=t.instructions_md, instructions_html=t.instructions_html)
        for i, t in enumerate(spec.tasks, start=1))
    if spec.evaluation is not None:
        e = spec.evaluation
        version.evaluation = CourseEvaluation(course_id=version.course_id, title=e.title,
                                              instructions_md=e.instructions_md,
                                              instructions_html=e.instructions_html, max_score=e.max_score)
    version.lessons.extend(
        Lesson(course_id=version.course_id, slug=item.slug, position=item.position, title=item.title,
               body_md=item.body_md, body_html=item.body_html, estimated_minutes=item.estimated_minutes)
        for item in spec.lessons)
    if spec.quiz is not None:
        q = spec.quiz
        version.quiz = Quiz(
            course_id=version.course_id, title=q.title, pass_mark=q.pass_mark, attempts_allowed=q.attempts_allowed,
            shuffle_questions=q.shuffle_questions, shuffle_options=q.shuffle_options,
            time_limit_minutes=q.time_limit_minutes, questions_per_attempt=q.questions_per_attempt,
            review_score=q.review.score, review_correctness=q.review.correctness,
            review_right_answers=q.review.right_answers, review_feedback=q.review.feedback,
            questions=[
                Question(position=i, kind=item.kind, text_md=item.text_md, text_html=item.text_html,
                         feedback_md=item.feedback_md, feedback_html=item.feedback_html, points=item.points,
                         title=item.title, units=[[u.unit, u.multiplier] for u in item.units],
                         max_chars=item.max_chars,
                         options=[QuestionOption(position=j, text_md=o.text_md, text_html=o.text_html,
                                                 is_correct=o.correct, feedback_md=o.feedback_md,
                                                 feedback_html=o.feedback_html, weight=o.weight,
                                                 min_value=o.min_value, max_value=o.max_value, match_text=o.match)
                                  for j, o in enumerate(item.options, start=1)])
                for i, item in enumerate(q.questions, start=1)],
        )
    session.flush()


def sync_course(session: Session, course: Course, version: CourseVersion) -> None:
    """Make the catalogue's copy of the course match `version`. A course that
    lands in another skill type x target level cell takes its completions
    along in the report counters (lms.events.course_reclassified)."""
    cell = (course.skill_type, course.target_level)
    copy_metadata(course, version)
    course.delivery_mode = version.delivery_mode = delivery_mode(version)
    wanted_schemes, wanted_audience = set(version.schemes or []), set(version.audience or [])
    # Reconcile by value: replacing the rows wholesale would INSERT the new rows
    # before DELETEing the old ones and break the unique constraints.
    course.schemes[:] = [row for row in course.schemes if row.scheme in wanted_schemes]
    course.audiences[:] = [row for row in course.audiences if row.staff_category in wanted_audience]
    session.flush()
    course.schemes.extend(CourseScheme(scheme=s) for s in sorted(wanted_schemes - {r.scheme for r in course.schemes}))
    course.audiences.extend(CourseAudience(staff_category=c)
                            for c in sorted(wanted_audience - {r.staff_category for r in course.audiences}))
    session.flush()
    if course.id is not None and cell != (course.skill_type, course.target_level):
        events.course_reclassified(session, course_id=course.id)


def new_version(session: Session, course: Course, *, now: datetime, user_id: int | None,
                based_on: CourseVersion | None = None) -> CourseVersion:
    number = (session.scalar(select(func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id)) or 0) + 1
    version = CourseVersion(course_id=course.id, number=number, status="draft", created_at=now, updated_at=now,
                            created_by_id=user_id, review_comment="", source_hash="",
                            based_on=based_on.number if based_on is not None else None)
    copy_metadata(version, based_on if based_on is not None else course)
    version.schemes = list(based_on.schemes) if based_on is not None else course.scheme_names
    version.audience = list(based_on.audience) if based_on is not None else course.audience_names
    course.versions.append(version)
    version.course = course
    session.flush()
    return version


def publish_version(session: Session, version: CourseVersion, *, now: datetime) -> None:
    """Make `version` the live one: the previous live version is archived (its
    learners keep following it until they choose to move)."""
    course = version.course
    previous = published_version(session, course.id)
    if previous is not None and previous.id != version.id:
        previous.status = "archived"
        session.flush()  # the partial unique index allows one published version
    version.status = "published"
    version.published_at = now
    version.updated_at = now
    course.status = "published"
    course.updated_at = now
    sync_course(session, course, version)
    index_for_search(session, version)
    session.flush()
    session.expire(course, ["lessons", "quiz", "published_version"])


def import_course(session: Session, spec: CourseSpec, *, now: datetime, status: str = "published",
                  user_id: int | None = None, source_hash: str | None = None,
                  prepare: Callable[[Course], CourseSpec] | None = None, force: bool = False) -> ImportResult:
    """Create or update the course `spec.code` from a validated package.

    Idempotent: importing the same package again changes nothing. A changed
    package becomes a new version: published at once when `status` is
    "published" (trusted CLI imports), or a draft that goes through review.
    Learners keep following the version they enrolled in.
    `prepare(course)` may rewrite the spec (e.g. image links) once the course exists.

    A published import never replaces what the platform itself published
    (authored on the web and approved) after the package was last imported:
    the course is left as it is and the result says so (`kept_platform_version`),
    unless `force` (an administrator who means it).
    """
    digest = content_hash(spec)
    source = source_hash or digest
    course = session.scalar(select(Course).where(Course.code == spec.code))
    created = course is None
    if course is None:
        course = Course(code=spec.code, created_at=now, updated_at=now, status="draft")
        copy_metadata(course, SpecMetadata(spec, digest))
        session.add(course)
        session.flush()
    else:
        latest = latest_version(session, course.id)
        same = [v for v in (published_version(session, course.id), latest) if v is not None
                and source in (v.source_hash, v.content_hash)
                and (v.status == "published" or (v is latest and v.status in (status, "archived")))]
        if same:
            return ImportResult(course, created=False, changed=False, version=same[0])
        live = published_version(session, course.id)
        # Published on the platform: approved in review (web edits, browser imports) or made there.
        platform_made = live is not None and (live.reviewed_at is not None or not live.source_hash)
        if status == "published" and not force and platform_made:
            return ImportResult(course, created=False, changed=False, version=live, kept_platform_version=True)
    if prepare is not None:
        spec = prepare(course)
    draft = open_version(session, course.id) if status == "draft" else None
    if draft is not None and draft.status == "review":
        raise VersionStateError(N_("This course has a version in review; publish or return it before importing."))
    version = draft or new_version(session, course, now=now, user_id=user_id,
                                   based_on=latest_version(session, course.id) if not created else None)
    fill_version(session, version, spec)
    version.source_hash = source
    version.updated_at = now
    if status == "published" and course.status != "archived":
        publish_version(session, version, now=now)
    else:
        # A browser import goes through review; so does new content for a
        # withdrawn course (re-importing the catalogue must not bring it back).
        version.status = "draft"
        if course.status in ("draft", "review"):
            course.status = "draft"
            sync_course(session, course, version)
        course.updated_at = now
    session.flush()
    return ImportResult(course, created=created, changed=True, version=version)


class VersionStateError(Exception):
    """An action that the version's state does not allow; the message is a msgid."""


class SpecMetadata:
    """Adapter so copy_metadata can read a spec like a version."""

    def __init__(self, spec: CourseSpec, digest: str) -> None:
        self.title, self.summary_md = spec.title, spec.summary
        self.summary_html = render_markdown(spec.summary) if spec.summary else ""
        self.skill_type, self.target_level, self.language = spec.skill_type, spec.target_level, spec.language
        self.estimated_minutes, self.content_hash = spec.estimated_minutes, digest
        self.certificate_validity_days = spec.certificate_validity_days
        self.policy_as_of, self.review_by = spec.policy_as_of, spec.review_by
        for field in TERMS_FIELDS:
            source = getattr(spec.terms, field)
            setattr(self, f"{field}_md", source)
            setattr(self, f"{field}_html", render_markdown(source) if source else "")


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
    matches = search.ranked_matches(flt.keyword) if flt.keyword else None
    if matches is not None and flt.keyword:
        # Every term in the live version, the course whose title holds them first.
        hits = matches.subquery()
        return stmt.join(hits, hits.c.course_id == Course.id).order_by(hits.c.score.desc(), Course.code)
    if flt.keyword:
        # Nothing the index holds (punctuation only, "%"): a literal substring.
        stmt = stmt.where(_holds(flt.keyword))
    return stmt.order_by(Course.skill_type, Course.target_level, Course.code)


def _holds(text: str):
    """The live course holds `text` in its title, summary, code or a lesson
    (ILIKE, so case does not matter on PostgreSQL either; wildcards literal)."""
    lesson_hit = select(Lesson.id).join(CourseVersion, CourseVersion.id == Lesson.version_id).where(
        Lesson.course_id == Course.id, CourseVersion.status == "published",
        any_contains(text, Lesson.title, Lesson.body_md),
    ).exists()
    return or_(any_contains(text, Course.title, Course.summary_md, Course.code), lesson_hit)


def index_for_search(session: Session, version: CourseVersion) -> int:
    """Put the published `version`'s words in the search index of its course."""
    fields = [(search.TITLE, version.title), (search.TITLE, version.course.code), (search.SUMMARY, version.summary_md)]
    for lesson in version.lessons:
        fields += [(search.LESSON_TITLE, lesson.title), (search.BODY, lesson.body_md)]
    return search.index_course(session, version.course_id, fields)


def search_index_missing(session: Session) -> bool:
    """Published courses exist but none is in the search index."""
    published = session.scalar(select(Course.id).where(Course.status == "published").limit(1))
    return published is not None and session.scalar(select(search.SearchTerm.course_id).limit(1)) is None


def rebuild_search_index(session: Session) -> int:
    """Index every live version again (after an upgrade or a restore). Returns the courses indexed."""
    versions = list(session.scalars(select(CourseVersion).where(CourseVersion.status == "published")
                                    .options(selectinload(CourseVersion.lessons))))
    for version in versions:
        index_for_search(session, version)
    session.flush()
    return len(versions)


# Course listings show scheme and audience tags: load them with the courses.
WITH_TAGS = (selectinload(Course.schemes), selectinload(Course.audiences))


def find_courses(session: Session, flt: CatalogFilter) -> list[Course]:
    """Published courses matching `flt` (best first for a keyword)."""
    return list(session.scalars(published_courses_query(flt).options(*WITH_TAGS)))


def find_courses_counted(session: Session, flt: CatalogFilter, *, limit: int) -> tuple[list[Course], int]:
    """The first `limit` courses matching `flt` (best first for a keyword) and
    how many match in all, in one statement (a window count: the matches are
    ranked once)."""
    stmt = published_courses_query(flt).add_columns(func.count().over()).options(*WITH_TAGS).limit(limit)
    rows = session.execute(stmt).all()
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


def matrix_counts(session: Session, flt: CatalogFilter | None = None) -> dict[tuple[str, str], int]:
    """Published courses per (skill type, target level) cell, all nine cells present."""
    base = published_courses_query(flt or CatalogFilter()).order_by(None).subquery()
    rows = session.execute(select(base.c.skill_type, base.c.target_level, func.count()).group_by(base.c.skill_type, base.c.target_level))
    counts = {(s, t): 0 for s in SKILL_TYPES for t in TARGET_LEVELS}
    for skill, level, n in rows:
        counts[(skill, level)] = n
    return counts


def published_courses(session: Session) -> list[Course]:
    return list(session.scalars(select(Course).where(Course.status == "published").order_by(Course.code)))


def get_course(session: Session, code: str) -> Course | None:
    return session.scalar(select(Course).where(Course.code == code))


def get_published_course(session: Session, code: str) -> Course | None:
    return session.scalar(
        select(Course).where(Course.code == code, Course.status == "published").options(selectinload(Course.lessons))
    )
