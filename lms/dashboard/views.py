"""My learning: courses in progress and completed, assigned training, and
suggestions. It sits above the features whose records it shows."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from lms.assignments.services import assignments_for_learner
from lms.classroom.services import my_sessions
from lms.evaluations import services as evaluations
from lms.learn import services as learning
from lms.permissions import login_required
from lms.programmes.services import my_programmes
from lms.surveys import services as surveys
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
    sessions = my_sessions(session, user_id=current_user.id, now=request_now())  # classroom sessions booked or waiting
    programmes = my_programmes(session, current_user)
    # Managers and trainers: what waits for them (issue 15).
    waiting = (evaluations.queue_counts(session, evaluations.staff_scope(session, current_user), now=request_now())
               if current_user.role_names & set(evaluations.STAFF_ROLES) else None)
    return render_template("dashboard/my.html", in_progress=in_progress, completed=completed, suggested=suggested,
                           assigned=assigned, asked=asked, for_needs=for_needs, sessions=sessions,
                           programmes=programmes, waiting=waiting)
