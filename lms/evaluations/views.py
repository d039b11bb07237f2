"""The learner's on-the-job tasks, and the queue of managers and trainers:
task reports to mark, evaluations to record, essays to grade, within their
scope (a learner outside it answers 404)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.models import User
from lms.courses.models import Course, CourseTask
from lms.courses.services import get_course
from lms.db import must_get
from lms.evaluations import services
from lms.evaluations.forms import EssayGradeForm, EvaluationForm, MarkForm, TaskReportForm
from lms.evaluations.models import TaskSubmission
from lms.learn import services as learn
from lms.media.services import MediaRefused
from lms.orgs.scope import require_user_in_scope, staff_scope
from lms.permissions import login_required, roles_required
from lms.web import audit, body_limit, db_session, request_now

bp = Blueprint("evaluations", __name__)

STAFF = ("manager", "trainer", "admin")
UPLOAD_BYTES = services.MAX_ATTACHMENT_BYTES + 256 * 1024


def _folder() -> str:
    return services.attachment_folder_of(current_app.config, current_app.instance_path)


def _scope():
    return staff_scope(db_session(), current_user)


def _refused(exc: Exception) -> None:
    db_session().rollback()
    params = getattr(exc, "params", None) or {}
    flash(_(str(exc), **params), "error")


# ---- the learner ---------------------------------------------------------------

@bp.route("/courses/<code>/tasks", methods=["GET"])
@login_required
def tasks(code: str):
    session = db_session()
    course = get_course(session, code)
    if course is None or learn.get_enrolment(session, user_id=current_user.id, course_id=course.id) is None:
        abort(404)
    items = services.tasks_of(session, user_id=current_user.id, course_id=course.id)
    evaluation = services.evaluation_of(session, user_id=current_user.id, course_id=course.id)
    history = services.evaluation_history(session, user_id=current_user.id, course_id=course.id) if evaluation else []
    return render_template("evaluations/tasks.html", course=course, items=items, form=TaskReportForm(),
                           evaluation=evaluation, history=history)


@bp.route("/courses/<code>/tasks/<slug>", methods=["POST"])
@login_required
@body_limit(UPLOAD_BYTES)
def submit(code: str, slug: str):
    session = db_session()
    course = get_course(session, code)
    if course is None:
        abort(404)
    form = TaskReportForm()
    if not form.validate_on_submit():
        flash(_("Write a short report of what you did."), "error")
        return redirect(url_for("evaluations.tasks", code=code))
    upload = form.attachment.data
    attachment = (upload.read(services.MAX_ATTACHMENT_BYTES + 1), upload.filename or "") if upload else None
    try:
        row = services.submit_task(session, user_id=current_user.id, course_id=course.id, slug=slug[:80],
                                   report=form.report.data, attachment=attachment, folder=_folder(),
                                   now=request_now())
    except (learn.NotEnrolled, services.NotFound):
        abort(404)
    except (services.EvaluationError, MediaRefused) as exc:
        _refused(exc)
    else:
        audit("task_submitted", f"course {course.code} task {slug} submission #{row.id}")
        flash(_("Your report is sent; your manager will mark it."), "success")
    return redirect(url_for("evaluations.tasks", code=code))


@bp.route("/task-reports/<int:submission_id>/attachment")
@login_required
def attachment(submission_id: int):
    session = db_session()
    row = session.get(TaskSubmission, submission_id)
    if row is None or not services.can_see_attachment(session, current_user, row):
        abort(404)
    path = services.attachment_path(_folder(), row.attachment_name)
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=row.attachment_type, as_attachment=row.attachment_type == "application/pdf",
                         download_name=row.attachment_original or path.name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---- the queue -----------------------------------------------------------------

@bp.route("/queue")
@roles_required(*STAFF)
def queue():
    session = db_session()
    scope = _scope()
    if scope.empty:
        abort(403)
    now = request_now()
    return render_template("evaluations/queue.html", queue=services.queue(session, scope),
                           cutoff=now - services.OVERDUE_AFTER)


@bp.route("/queue/tasks/<int:submission_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def mark(submission_id: int):
    session = db_session()
    try:
        row = services.submission_in_scope(session, _scope(), submission_id)
    except services.NotFound:
        abort(404)
    course = must_get(session, Course, row.course_id)
    learner = must_get(session, User, row.user_id)
    task = session.get(CourseTask, row.task_id) if row.task_id else None
    task_title = task.title if task is not None else row.task_slug
    form = MarkForm()
    if form.validate_on_submit():
        done = form.result.data == "done"
        comment = (form.comment.data or "").strip()
        with force_locale(learner.language):
            verdict = _("done") if done else _("to redo")
            message = {"recipient": learner.email,
                       "subject": _("Your report on %(task)s: %(verdict)s", task=task_title, verdict=verdict)[:300],
                       "body": _("Your report on the task %(task)s of the course %(course)s was marked %(verdict)s.",
                                 task=task_title, course=course.title, verdict=verdict)
                       + ("\n\n" + comment if comment else "")}
        try:
            completed = services.mark_submission(session, row=row, done=done, comment=comment,
                                                 marker_id=current_user.id, now=request_now(),
                                                 message=message if learner.email else None)
        except services.EvaluationError as exc:
            _refused(exc)
            return redirect(url_for("evaluations.mark", submission_id=submission_id))
        audit("task_marked", f"submission #{row.id} of user {row.user_id} course {course.code}: "
                             f"{'done' if done else 'redo'}{' (course completed)' if completed else ''}")
        flash(_("The report is marked."), "success")
        return redirect(url_for("evaluations.queue"))
    history = [s for v in services.tasks_of(session, user_id=row.user_id, course_id=row.course_id)
               for s in v.submissions if s.task_slug == row.task_slug]
    return render_template("evaluations/mark.html", row=row, course=course, learner=learner, task=task,
                           history=history, form=form)


@bp.route("/queue/evaluations/<int:course_id>/<int:user_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def evaluate(course_id: int, user_id: int):
    session = db_session()
    try:
        learner = require_user_in_scope(session, None, user_id, _scope())
    except services.NotFound:
        abort(404)
    course = session.get(Course, course_id)
    evaluation = services.evaluation_of(session, user_id=user_id, course_id=course_id) if course else None
    if course is None or evaluation is None:
        abort(404)
    form = EvaluationForm()
    if form.validate_on_submit():
        score = float(form.score.data) if form.score.data is not None else None
        try:
            record, completed = services.record_evaluation(
                session, user_id=user_id, course_id=course_id, passed=form.result.data == "passed", score=score,
                comment=form.comment.data or "", recorder_id=current_user.id, now=request_now())
        except services.EvaluationError as exc:
            _refused(exc)
            return redirect(url_for("evaluations.evaluate", course_id=course_id, user_id=user_id))
        audit("evaluation_recorded", f"user {user_id} course {course.code}: "
                                     f"{'passed' if record.passed else 'not yet'} score {record.score}"
                                     f"{' (course completed)' if completed else ''}")
        flash(_("The evaluation is recorded."), "success")
        return redirect(url_for("evaluations.queue"))
    history = services.evaluation_history(session, user_id=user_id, course_id=course_id)
    return render_template("evaluations/evaluate.html", course=course, learner=learner, evaluation=evaluation,
                           history=history, form=form)


@bp.route("/queue/essays/<int:answer_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def grade(answer_id: int):
    session = db_session()
    try:
        item = services.essay_in_scope(session, _scope(), answer_id)
    except services.NotFound:
        abort(404)
    form = EssayGradeForm()
    if form.validate_on_submit():
        try:
            completed = services.grade_essay(session, item=item, points=float(form.points.data),
                                             comment=form.comment.data or "", grader_id=current_user.id,
                                             now=request_now())
        except (services.EvaluationError, learn.LearningError) as exc:
            _refused(exc)
            return redirect(url_for("evaluations.queue"))
        audit("essay_graded", f"answer #{answer_id} of user {item.learner.id} course {item.course.code}: "
                              f"{float(form.points.data):g} points{' (course completed)' if completed else ''}")
        flash(_("The answer is graded."), "success")
        return redirect(url_for("evaluations.queue"))
    return render_template("evaluations/grade.html", item=item, form=form)
