from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from lms import events
from lms.catalog.delivery import version_delivery
from lms.catalog.forms import CatalogFilterForm
from lms.courses import services
from lms.learn import services as learning
from lms.learn.forms import EnrolForm
from lms.permissions import public
from lms.web import db_session, request_now

bp = Blueprint("catalog", __name__)
SEARCH_RESULTS = 50


@bp.route("/")
@public
def index():
    form = CatalogFilterForm(request.args)
    filtered = form.validate() and any(form.data[k] for k in ("q", "skill", "level", "scheme", "audience", "language"))
    flt = services.CatalogFilter(
        skill_type=form.skill.data or None, target_level=form.level.data or None, scheme=form.scheme.data or None,
        audience=form.audience.data or None, language=form.language.data or None,
        keyword=(form.q.data or "").strip() or None,
    ) if filtered else services.CatalogFilter()
    session = db_session()
    counts = services.matrix_counts(session)
    # A keyword search shows the best matches first, the first SEARCH_RESULTS of them.
    if flt.keyword:
        courses, found = services.find_courses_counted(session, flt, limit=SEARCH_RESULTS)
    else:
        courses = services.find_courses(session, flt)
        found = len(courses)
    return render_template("catalog/index.html", form=form, counts=counts, courses=courses, filtered=filtered,
                           found=found, errors=not form.validate())


@bp.route("/courses/<code>")
@public
def course(code: str):
    session = db_session()
    course = services.get_course(session, code)
    if course is None or course.status not in ("published", "archived"):
        abort(404)
    enrolment = progress = done = newer = None
    if current_user.is_authenticated:
        enrolment = learning.get_enrolment(session, user_id=current_user.id, course_id=course.id)
        if enrolment:
            progress = learning.course_progress(session, user_id=current_user.id, course_id=course.id)
            done = learning.completed_lesson_ids(session, user_id=current_user.id, course_id=course.id)
            newer = learning.newer_version(session, enrolment)
    if course.status != "published" and enrolment is None:
        abort(404)  # withdrawn: only those enrolled still see it
    # Learners see the version they follow; everyone else the live one.
    version = learning.learning_version(session, user_id=current_user.id if current_user.is_authenticated else None,
                                        course=course)
    # What the features above the catalogue add (classroom sessions, ...).
    sections = [s for s in events.course_page_sections(
        session, course=course, user_id=current_user.id if current_user.is_authenticated else None,
        now=request_now()) if s]
    # How the course is delivered, from what it has: lessons and quiz, and the classroom sessions shown.
    sessions = sum(len(context.get("sessions", ())) for name, context in sections if name.startswith("classroom/"))
    delivery = version_delivery(version, sessions=sessions) if version is not None else None
    return render_template("catalog/course.html", course=course, version=version, enrolment=enrolment,
                           progress=progress, done=done or set(), newer=newer, enrol_form=EnrolForm(),
                           sections=sections, delivery=delivery)
