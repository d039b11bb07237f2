"""The JSON API (/api/v1) for mobile and offline clients.

Authentication is `Authorization: Bearer <token>` only: the login cookie is
ignored here, so a page on another site cannot use a learner's browser
session against the API. Every route carries one of the decorators of
lms.permissions; views validate input, call the services, commit once."""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for

from content.spec import LANGUAGES, MAX_ESSAY_CHARS, MAX_QUESTIONS, SCHEMES, SKILL_TYPES, STAFF_CATEGORIES, TARGET_LEVELS
from lms.api import errors, serialize
from lms.api.errors import api_error
from lms.api.openapi import document
from lms.audit.services import record_event
from lms.auth.login import login_policy
from lms.auth.services import TOKEN_GUESSES, record_login_failure, token_guessing_throttled, user_for_api_token
from lms.certificates import services as certificates
from lms.courses import services as catalog
from lms.courses.models import Course, CourseVersion, Lesson
from lms.db import must_get
from lms.learn import services as learning
from lms.learn.models import QuizAttempt
from lms.permissions import login_required, public
from lms.web import auth_session, body_limit, db_session, record_refusal, request_now

bp = Blueprint("api", __name__, url_prefix="/api/v1")
errors.register(bp)

_CODE_RE = re.compile(r"[A-Z0-9-]{2,32}")  # as content.loader accepts them
_SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
_MAX_TOKEN = 256
_MAX_KEYWORD = 200
# Primary keys are INTEGER columns, 32-bit on PostgreSQL: a larger id in a URL
# is simply unknown (404), never a database error.
MAX_ANSWERS = MAX_QUESTIONS


# ---- authentication ----------------------------------------------------------

@bp.before_request
def authenticate():
    # Never the login cookie: make Flask-Login see an anonymous user for the
    # whole API request (lms.permissions falls back to current_user).
    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    g.api_user = None
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return api_error(401, "Send the API token as 'Authorization: Bearer <token>'.")
    # Read-only session (as for the login cookie): the request's own session,
    # and any write lock, start only in the view.
    session, ip, now = auth_session(), request.remote_addr or "", request_now()
    user = None
    if len(token) <= _MAX_TOKEN and token.isascii():
        user = user_for_api_token(session, token=token)
    if user is None:
        # Guessing tokens is throttled per address, shared by all workers; a valid token always works.
        policy = login_policy()
        if token_guessing_throttled(session, ip=ip, now=now, policy=policy):
            return api_error(429, "Too many invalid API tokens from this address. Wait a few minutes.")
        with current_app.extensions["lms_db"].transaction() as writer:  # a short write of its own
            record_login_failure(writer, username=TOKEN_GUESSES, ip=ip, now=now, policy=policy)
            record_event(writer, action="api_token_refused", ip=ip, request_id=g.get("request_id", ""), now=now)
        return api_error(401, "The API token is invalid, revoked, or its account is not active.")
    g.api_user = user
    return None


def _user():
    return g.api_user


# ---- lookups -----------------------------------------------------------------

def _course(code: str) -> Course | None:
    if not _CODE_RE.fullmatch(code):
        return None
    return catalog.get_published_course(db_session(), code)


def _not_found(what: str):
    return api_error(404, f"No such {what}.")


def _version(course: Course):
    """The version the caller follows (enrolled), else the live one."""
    user = _user()
    return learning.learning_version(db_session(), user_id=user.id if user else None, course=course)


def _course_lesson(code: str, slug: str) -> tuple[Course, Lesson | None]:
    """The published course and its lesson (None when missing); 404 for an unknown course."""
    course = _course(code)
    if course is None:
        abort(404, "No such course.")
    if not _SLUG_RE.fullmatch(slug):
        return course, None
    return course, next((lesson for lesson in _version(course).lessons if lesson.slug == slug), None)


def _attempt_json(attempt: QuizAttempt) -> dict:
    session = db_session()
    course = must_get(session, Course, attempt.quiz.course_id)
    items = learning.attempt_items(session, attempt)
    if attempt.submitted_at is None:
        return serialize.attempt_open(attempt, course, items, now=request_now())
    attempts = learning.attempts_of(session, user_id=attempt.user_id, quiz_id=attempt.quiz_id)
    review = learning.review_of(attempt.quiz, attempts, request_now())
    return serialize.attempt_result(attempt, course, items, now=request_now(), review=review)


def _enrolment_json(course: Course) -> dict | None:
    session = db_session()
    user_id = _user().id
    row = learning.get_enrolment(session, user_id=user_id, course_id=course.id)
    if row is None:
        return None
    done = learning.completed_lesson_ids(session, user_id=user_id, course_id=course.id)
    version = must_get(session, CourseVersion, row.version_id)
    quiz = version.quiz
    attempts = learning.attempts_of(session, user_id=user_id, quiz_id=quiz.id) if quiz else []
    newer = learning.newer_version(session, row)
    return serialize.enrolment(
        course, row, learning.course_progress(session, user_id=user_id, course_id=course.id),
        done_slugs=[lesson.slug for lesson in version.lessons if lesson.id in done], attempts=attempts,
        attempts_left=learning.attempts_left(quiz, attempts) if quiz else None,
        version=version, newer=newer,
        show_scores=learning.review_of(quiz, attempts, request_now()).score if quiz else True,
    )


# ---- catalogue -----------------------------------------------------------------

_FILTERS = {"skill_type": SKILL_TYPES, "target_level": TARGET_LEVELS, "scheme": SCHEMES,
            "audience": STAFF_CATEGORIES, "language": LANGUAGES}


@bp.get("/courses")
@public
def courses():
    values: dict[str, str | None] = {}
    for name, allowed in _FILTERS.items():
        value = request.args.get(name, "").strip()
        if value and value not in allowed:
            return api_error(400, f"Unknown {name} {value!r}; one of: {', '.join(allowed)}.")
        values[name] = value or None
    keyword = request.args.get("q", "").strip()
    if len(keyword) > _MAX_KEYWORD or "\x00" in keyword:
        return api_error(400, f"The search text q must be at most {_MAX_KEYWORD} characters.")
    flt = catalog.CatalogFilter(keyword=keyword or None, **values)
    found = catalog.find_courses(db_session(), flt)
    return jsonify(courses=[serialize.course_summary(c) for c in found], count=len(found))


@bp.get("/catalog/matrix")
@public
def catalog_matrix():
    counts = catalog.matrix_counts(db_session())
    return jsonify(
        skill_types=list(SKILL_TYPES), target_levels=list(TARGET_LEVELS),
        cells=[{"skill_type": s, "target_level": t, "count": counts[(s, t)]} for s in SKILL_TYPES for t in TARGET_LEVELS],
        total=sum(counts.values()),
    )


@bp.get("/courses/<code>")
@public
def course_detail(code: str):
    course = _course(code)
    if course is None:
        return _not_found("course")
    return jsonify(serialize.course_detail(course))


# ---- enrolment and lessons -------------------------------------------------------

@bp.post("/courses/<code>/enrolment")
@login_required
def enrol(code: str):
    session = db_session()
    course = _course(code)
    if course is None:
        return _not_found("course")
    existed = learning.get_enrolment(session, user_id=_user().id, course_id=course.id) is not None
    try:
        learning.enrol(session, user_id=_user().id, course=course, now=request_now(), source="api")
    except learning.LearningError as exc:
        session.rollback()
        return api_error(409, str(exc))
    body = _enrolment_json(course)
    return jsonify(body), (200 if existed else 201)


@bp.get("/courses/<code>/enrolment")
@login_required
def enrolment(code: str):
    course = _course(code)
    if course is None:
        return _not_found("course")
    body = _enrolment_json(course)
    if body is None:
        return api_error(404, "You are not enrolled in this course.")
    return jsonify(body)


@bp.get("/courses/<code>/lessons/<slug>")
@login_required
def lesson(code: str, slug: str):
    session = db_session()
    course, lesson = _course_lesson(code, slug)
    if lesson is None:
        return _not_found("lesson")
    if learning.get_enrolment(session, user_id=_user().id, course_id=course.id) is None:
        return api_error(403, "Enrol in the course to read its lessons.")
    lessons = list(lesson.version.lessons)
    index = lessons.index(lesson)
    done = learning.completed_lesson_ids(session, user_id=_user().id, course_id=course.id)
    return jsonify(
        **serialize.lesson_summary(lesson),
        course_code=course.code,
        body_html=lesson.body_html,
        completed=lesson.id in done,
        previous_slug=lessons[index - 1].slug if index > 0 else None,
        next_slug=lessons[index + 1].slug if index + 1 < len(lessons) else None,
    )


@bp.post("/courses/<code>/lessons/<slug>/completion")
@login_required
def complete_lesson(code: str, slug: str):
    session = db_session()
    course, lesson = _course_lesson(code, slug)
    if lesson is None:
        return _not_found("lesson")
    try:
        learning.complete_lesson(session, user_id=_user().id, lesson=lesson, now=request_now())
    except learning.NotEnrolled as exc:
        session.rollback()
        return api_error(403, str(exc))
    progress = learning.course_progress(session, user_id=_user().id, course_id=course.id)
    return jsonify(course_code=course.code, lesson_slug=lesson.slug, completed=True,
                   course_completed=progress.completed_at is not None, progress=serialize.progress(progress))


# ---- quiz attempts -----------------------------------------------------------------

@bp.post("/courses/<code>/quiz/attempts")
@login_required
def start_attempt(code: str):
    session = db_session()
    course = _course(code)
    if course is None:
        return _not_found("course")
    quiz = _version(course).quiz
    if quiz is None:
        return api_error(404, "This course has no quiz.")
    user_id = _user().id
    before = {a.id for a in learning.attempts_of(session, user_id=user_id, quiz_id=quiz.id)}
    try:
        attempt = learning.start_attempt(session, user_id=user_id, quiz=quiz, now=request_now())
    except learning.NotEnrolled as exc:
        session.rollback()
        return api_error(403, str(exc))
    except learning.LearningError as exc:  # no attempts left, or lost a race for the last one
        session.rollback()
        return api_error(409, str(exc))
    body = _attempt_json(attempt)
    return jsonify(body), (200 if attempt.id in before else 201)


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    found = learning.get_attempt(db_session(), attempt_id=attempt_id, user_id=_user().id)
    if found is None:  # someone else's attempt looks exactly like a missing one
        return _not_found("attempt")
    return jsonify(_attempt_json(found))


_TOKEN_RE = re.compile(r"[0-9a-f]{1,32}")
_ANSWER_SHAPE = ("The answer to question {token} must be a list of option ids, a text, or an object "
                 "mapping item ids to answer ids.")


def _parse_answers(body) -> tuple[dict[str, object] | None, str | None]:
    """{"answers": {"<question id>": answer}} -> the services' raw form. An answer is a
    list of option ids (choice), a text (short answer, numerical, essay) or an object
    {"<item id>": "<answer id>"} (matching); every id is the attempt's own."""
    if not isinstance(body, dict):
        return None, "The body must be a JSON object."
    answers = body.get("answers")
    if not isinstance(answers, dict):
        return None, "'answers' must be an object mapping question ids to answers."
    if len(answers) > MAX_ANSWERS:
        return None, f"At most {MAX_ANSWERS} answers."
    raw: dict[str, object] = {}
    for token, answer in answers.items():
        if not _TOKEN_RE.fullmatch(token):
            return None, f"Question id {token[:20]!r} is not one of this attempt's."
        shown = token[:20]
        if isinstance(answer, list):
            ok = len(answer) <= 100 and all(isinstance(v, str) and len(v) <= 32 for v in answer)
        elif isinstance(answer, str):
            ok = len(answer) <= MAX_ESSAY_CHARS
        elif isinstance(answer, dict):
            ok = len(answer) <= 100 and all(isinstance(k, str) and len(k) <= 32 and isinstance(v, str) and len(v) <= 32
                                            for k, v in answer.items())
        else:
            ok = False
        if not ok:
            return None, _ANSWER_SHAPE.format(token=shown)
        raw[token] = answer
    return raw, None


def _refuse_submission(attempt_id: int, code: int, message: str):
    """Log a refused submission (security log), change nothing else."""
    record_refusal("quiz_submission_refused", user=_user(), detail=f"api attempt {attempt_id}: {message}")
    return api_error(code, message)


@bp.post("/attempts/<int:attempt_id>/submission")
@body_limit(learning.MAX_SUBMISSION_BYTES)
@login_required
def submit_attempt(attempt_id: int):
    session = db_session()
    found = learning.get_attempt(session, attempt_id=attempt_id, user_id=_user().id)
    if found is None:
        return _not_found("attempt")
    if found.submitted_at is not None:
        return _refuse_submission(attempt_id, 409, "This attempt has already been submitted.")
    if not request.is_json:
        return api_error(400, "Send the answers as JSON (Content-Type: application/json).")
    body = request.get_json(silent=True)
    if body is None:
        return api_error(400, "The body is not valid JSON.")
    raw, problem = _parse_answers(body)
    if raw is None:
        return _refuse_submission(attempt_id, 422, problem or "The answers are not valid.")
    try:
        graded = learning.submit_attempt(session, user_id=_user().id, attempt_id=attempt_id, raw_answers=raw,
                                         now=request_now(), content=current_app.extensions["lms_content"])
    except learning.AttemptClosed as exc:
        return _refuse_submission(attempt_id, 409, exc.text)
    except learning.LearningError as exc:  # answers that do not fit this attempt, a number that is not one...
        return _refuse_submission(attempt_id, 422, exc.text)
    progress = learning.course_progress(session, user_id=_user().id, course_id=graded.attempt.quiz.course_id)
    body = {"attempt": _attempt_json(graded.attempt), "late": graded.late,
            "course_completed": progress.completed_at is not None, "progress": serialize.progress(progress)}
    return jsonify(body)


# ---- me ------------------------------------------------------------------------------

@bp.get("/me")
@login_required
def me():
    user = _user()
    return jsonify(
        id=user.id, username=user.username, full_name=user.full_name, email=user.email,
        staff_category=user.staff_category, language=user.language, roles=sorted(user.role_names),
        org_unit={"id": user.org_unit.id, "code": user.org_unit.code, "name": user.org_unit.name}
        if user.org_unit is not None else None,
        created_at=serialize.iso(user.created_at), last_login_at=serialize.iso(user.last_login_at),
    )


@bp.get("/me/learning")
@login_required
def my_learning():
    session = db_session()
    user_id = _user().id
    rows = learning.my_learning(session, user_id=user_id)
    completions = learning.completions_of(session, user_id=user_id)
    return jsonify(
        enrolments=[{"course": serialize.course_summary(r.course), "enrolled_at": serialize.iso(r.enrolment.enrolled_at),
                     "progress": serialize.progress(r.progress)} for r in rows],
        completions=[{"course_code": c.code, "course_title": c.title, "completed_at": serialize.iso(done.completed_at),
                      "score": done.score} for done, c in completions],
    )


@bp.get("/me/certificates")
@login_required
def my_certificates():
    session = db_session()
    now = request_now()
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    return jsonify(certificates=[
        {"serial": c.serial, "kind": "course" if c.course_id is not None else "programme", "course_code": code,
         "programme_id": c.programme_id, "title": c.title, "holder_name": c.holder_name, "unit_name": c.unit_name,
         "hours": c.hours, "completed_at": serialize.iso(c.completed_at), "issued_at": serialize.iso(c.issued_at),
         "expires_at": serialize.iso(c.expires_at), "revoked_at": serialize.iso(c.revoked_at),
         "status": certificates.status_of(c, now),
         "verify_url": base + url_for("certificates.verify", code=c.code),
         "page_url": base + url_for("certificates.certificate", code=c.code),
         "pdf_url": base + url_for("certificates.certificate_pdf", code=c.code)}
        for c, code in certificates.certificates_with_course_codes(session, user_id=_user().id)])


# ---- the document ------------------------------------------------------------------

@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(document())
