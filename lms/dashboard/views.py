"""My learning: courses in progress and completed, assigned training, and
suggestions. It sits above the features whose records it shows."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory, url_for
from flask_login import current_user

from lms.assignments.services import assignments_for_learner
from lms.certificates import services as certificates
from lms.classroom.services import attendance_queue_counts, my_sessions
from lms.evaluations import services as evaluations
from lms.learn import services as learning
from lms.orgs.scope import staff_scope
from lms.permissions import login_required, public
from lms.programmes.services import my_programmes
from lms.surveys import services as surveys
from lms.templating import static_version
from lms.web import db_session, request_now, request_today

bp = Blueprint("dashboard", __name__)


@bp.route("/my")
@login_required
def my_learning():
    session = db_session()
    rows = learning.my_learning(session, user_id=current_user.id)
    in_progress = [r for r in rows if not r.progress.completed_at]
    completed = [r for r in rows if r.progress.completed_at]
    suggested = learning.suggestions(session, user_id=current_user.id, staff_category=current_user.staff_category)
    assigned = assignments_for_learner(session, user_id=current_user.id, today=request_today())
    # Training-needs surveys the learner is asked now, and courses for the needs they rated essential.
    asked = surveys.surveys_for_learner(session, current_user, request_today())
    for_needs = surveys.suggested_courses(session, current_user)
    now = request_now()
    sessions = my_sessions(session, user_id=current_user.id, now=now)  # classroom sessions booked or waiting
    programmes = my_programmes(session, current_user)
    # Managers and trainers: what waits for them (issue 15).
    waiting = attendance = None
    if current_user.role_names & set(evaluations.STAFF_ROLES):
        scope = staff_scope(session, current_user)
        waiting = evaluations.queue_counts(session, scope, now=request_now())
        attendance = attendance_queue_counts(session, user=current_user, scope=scope, now=request_now())
    return render_template("dashboard/my.html", in_progress=in_progress, completed=completed, suggested=suggested,
                           assigned=assigned, asked=asked, for_needs=for_needs, sessions=sessions,
                           programmes=programmes, waiting=waiting, attendance=attendance,
                           certificates=certificates.certificates_of(session, user_id=current_user.id),
                           certificate_status=lambda c: certificates.status_of(c, now))


@bp.route("/my/offline.json")
@login_required
def offline_list():
    """What the service worker keeps for reading offline: the lessons of the
    courses the learner follows, and the style sheet."""
    lessons = learning.offline_lessons(db_session(), user_id=current_user.id)
    return jsonify(lessons=[url_for("learn.lesson", code=code, slug=slug) for code, slug in lessons],
                   assets=[url_for("static", filename="app.css", v=static_version(current_app, "app.css"))])


@bp.route("/sw.js")
@public
def service_worker():
    """The offline service worker, served from the root so that it may act on every page."""
    response = send_from_directory(current_app.static_folder or "static", "sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response
