from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.courses.models import Course, CourseVersion
from lms.courses.services import get_course, get_published_course
from lms.db import must_get
from lms.learn import services
from lms.learn.forms import CompleteLessonForm, EnrolForm, StartAttemptForm
from lms.permissions import login_required
from lms.web import body_limit, db_session, read_session, record_refusal, request_now

bp = Blueprint("learn", __name__)


def _course_or_404(code: str) -> Course:
    course = get_published_course(db_session(), code)
    if course is None:
        abort(404)
    return course


def _followed(code: str):
    """The course and the version the signed-in learner follows (an archived
    course stays readable for those enrolled in it); None if not enrolled."""
    session = db_session()
    course = get_course(session, code)
    if course is None or course.status not in ("published", "archived"):
        abort(404)
    enrolment = services.get_enrolment(session, user_id=current_user.id, course_id=course.id)
    if enrolment is None:
        if course.status != "published":
            abort(404)
        return course, None
    return course, session.get(CourseVersion, enrolment.version_id)


@bp.route("/courses/<code>/enrol", methods=["POST"])
@login_required
def enrol(code: str):
    course = _course_or_404(code)
    if not EnrolForm().validate_on_submit():
        abort(400)
    session = db_session()
    enrolment = services.enrol(session, user_id=current_user.id, course=course, now=request_now())
    version = must_get(session, CourseVersion, enrolment.version_id)
    first = version.lessons[0] if version.lessons else None
    if first is None:
        return redirect(url_for("catalog.course", code=code))
    return redirect(url_for("learn.lesson", code=code, slug=first.slug))


@bp.route("/courses/<code>/move", methods=["POST"])
@login_required
def move_version(code: str):
    """Move to the newest published version, keeping completed lessons."""
    if not EnrolForm().validate_on_submit():
        abort(400)
    session = db_session()
    course = _course_or_404(code)
    try:
        services.move_to_latest_version(session, user_id=current_user.id, course=course, now=request_now())
    except services.LearningError as exc:
        session.rollback()
        flash(_(str(exc), **exc.params), "error")
        return redirect(url_for("catalog.course", code=code))
    flash(_("You now follow the latest version of this course. Lessons you had done that still exist are kept."),
          "success")
    return redirect(url_for("catalog.course", code=code))


def _followed_lesson(code: str, slug: str):
    """(course, enrolment, outline, index, published_at) for the signed-in learner, reading
    only what concerns them: the course content comes from the per-worker cache.
    Returns a response instead when they are not enrolled."""
    session = db_session()
    row = services.followed_course(session, code=code, user_id=current_user.id)
    if row is None or row[0].status not in ("published", "archived"):
        abort(404)
    course, enrolment, published_at = row
    if enrolment is None:
        if course.status != "published" or not any(ls.slug == slug for ls in course.lessons):
            abort(404)
        flash(_("Enrol in the course to read its lessons."), "info")
        return redirect(url_for("catalog.course", code=code))
    outline = current_app.extensions["lms_content"].outline(session, enrolment.version_id, published_at)
    index = outline.index_of(slug)
    if index is None:
        abort(404)
    return course, enrolment, outline, index, published_at


@bp.route("/courses/<code>/lessons/<slug>")
@login_required
def lesson(code: str, slug: str):
    followed = _followed_lesson(code, slug)
    if not isinstance(followed, tuple):
        return followed
    course, enrolment, outline, index, published_at = followed
    session = db_session()
    item = outline.lessons[index]
    body_html = current_app.extensions["lms_content"].lesson_html(session, item.id, published_at)
    progress, is_done = services.progress_with_lesson(
        session, user_id=current_user.id, course_id=course.id, version_id=enrolment.version_id,
        quiz_passed=enrolment.quiz_passed_at is not None, lesson_id=item.id)
    return render_template("learn/lesson.html", course=course, lesson=item, body_html=body_html, outline=outline,
                           index=index, previous=outline.lessons[index - 1] if index > 0 else None,
                           following=outline.lessons[index + 1] if index + 1 < len(outline.lessons) else None,
                           has_quiz=outline.quiz_id is not None, is_done=is_done, progress=progress,
                           form=CompleteLessonForm())


@bp.route("/courses/<code>/lessons/<slug>/done", methods=["POST"])
@login_required
def complete_lesson(code: str, slug: str):
    if not CompleteLessonForm().validate_on_submit():
        abort(400)
    followed = _followed_lesson(code, slug)
    if not isinstance(followed, tuple):
        return followed
    course, enrolment, outline, index, _published_at = followed
    session = db_session()
    completed = services.record_lesson_done(session, enrolment=enrolment, lesson_id=outline.lessons[index].id,
                                            now=request_now())
    if completed:
        flash(_("Course completed. Well done!"), "success")
        return redirect(url_for("catalog.course", code=code))
    if index + 1 < len(outline.lessons):
        return redirect(url_for("learn.lesson", code=code, slug=outline.lessons[index + 1].slug))
    if outline.quiz_id is not None:
        return redirect(url_for("learn.quiz", code=code))
    return redirect(url_for("catalog.course", code=code))


@bp.route("/courses/<code>/quiz")
@login_required
def quiz(code: str):
    session = db_session()
    course, version = _followed(code)
    if version is None:
        if course.quiz is None:
            abort(404)
        flash(_("Enrol in the course to take its quiz."), "info")
        return redirect(url_for("catalog.course", code=code))
    if version.quiz is None:
        abort(404)
    attempts = services.attempts_of(session, user_id=current_user.id, quiz_id=version.quiz.id)
    current = services.open_attempt(attempts, request_now())
    expired = {a.id for a in attempts if a.submitted_at is None and a is not current}
    return render_template("learn/quiz.html", course=course, quiz=version.quiz, attempts=attempts,
                           left=services.attempts_left(version.quiz, attempts), current=current,
                           expired=expired, review=services.review_of(version.quiz, attempts, request_now()),
                           form=StartAttemptForm())


@bp.route("/courses/<code>/quiz/start", methods=["POST"])
@login_required
def start_attempt(code: str):
    if not StartAttemptForm().validate_on_submit():
        abort(400)
    session = db_session()
    course, version = _followed(code)
    quiz = version.quiz if version is not None else course.quiz
    if quiz is None:
        abort(404)
    try:
        attempt = services.start_attempt(session, user_id=current_user.id, quiz=quiz, now=request_now())
    except services.NoAttemptsLeft as exc:
        flash(_(str(exc), **exc.params), "error")
        return redirect(url_for("learn.quiz", code=code))
    except services.LearningError as exc:
        session.rollback()
        flash(_(str(exc), **exc.params), "error")
        return redirect(url_for("learn.quiz", code=code))
    return redirect(url_for("learn.attempt", attempt_id=attempt.id))


MAX_TOKEN = 12  # lms.learn.services.TOKEN_HEX


def _form_answers() -> dict[str, object] | None:
    """The quiz form as the services take it: {question token: [values]} for
    `q-<token>` fields, {question token: {item token: value}} for matching's
    `q-<token>-<item token>`; None when a field name is not one of ours."""
    raw: dict[str, object] = {}
    for name in request.form:
        if not name.startswith("q-"):
            continue
        token, _sep, item = name[2:].partition("-")
        if not token or len(token) > MAX_TOKEN or len(item) > MAX_TOKEN:
            return None
        if item:
            pairs = raw.setdefault(token, {})
            if not isinstance(pairs, dict):
                return None
            pairs[item] = request.form.get(name, "")
        elif token in raw:
            return None
        else:
            raw[token] = request.form.getlist(name)
    return raw


def _attempt_page(attempt, form, *, error: str | None = None, status: int = 200):
    session = db_session()
    course = session.get(Course, attempt.quiz.course_id)
    items = services.attempt_items(session, attempt)
    values = request.form.to_dict(flat=False) if error else {}
    return render_template("learn/attempt.html", course=course, attempt=attempt, items=items, form=form,
                           values=values, error=error), status


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@body_limit(services.MAX_SUBMISSION_BYTES)
@login_required
def attempt(attempt_id: int):
    session = db_session()
    # Found without the write lock: a layout and a deadline never change, and grading
    # claims the attempt with an UPDATE that only an attempt still open matches.
    attempt = services.get_attempt(read_session(), attempt_id=attempt_id, user_id=current_user.id)
    if attempt is None:
        abort(404)
    form = StartAttemptForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        raw = _form_answers()
        try:
            if raw is None:
                raise services.InvalidAnswers(services.MISMATCH)
            graded = services.submit_attempt(session, user_id=current_user.id, attempt_id=attempt.id,
                                             raw_answers=raw, now=request_now(), attempt=attempt,
                                             content=current_app.extensions["lms_content"], reader=read_session())
        except services.AttemptClosed as exc:
            record_refusal("quiz_submission_refused", user=current_user, detail=f"attempt {attempt_id}: {exc.text}")
            flash(_(str(exc), **exc.params), "error")
            return redirect(url_for("learn.attempt", attempt_id=attempt_id))
        except services.LearningError as exc:
            # Nothing is graded: the form comes back with the learner's answers and what is wrong.
            record_refusal("quiz_submission_refused", user=current_user, detail=f"attempt {attempt_id}: {exc.text}")
            return _attempt_page(attempt, form, error=_(str(exc), **exc.params), status=422)
        if graded.late:
            flash(_("The time limit had passed: the answers were not counted."), "error")
        if graded.completed_course:
            flash(_("Course completed. Well done!"), "success")
        return redirect(url_for("learn.attempt", attempt_id=attempt.id))
    if attempt.submitted_at is None:
        return _attempt_page(attempt, form)
    course = session.get(Course, attempt.quiz.course_id)
    items = services.attempt_items(session, attempt)
    answers = {a.question_id: a for a in attempt.answers}
    attempts = services.attempts_of(session, user_id=current_user.id, quiz_id=attempt.quiz_id)
    review = services.review_of(attempt.quiz, attempts, request_now())
    return render_template("learn/result.html", course=course, attempt=attempt, items=items, answers=answers,
                           left=services.attempts_left(attempt.quiz, attempts), review=review, form=form)
