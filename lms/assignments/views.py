"""Managers assign courses to their subtree, follow progress and overdue
people, and approve self-registrations."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms import events
from lms.assignments import services
from lms.assignments.forms import AssignmentForm
from lms.assignments.models import Assignment
from lms.courses.services import published_courses
from lms.enums import SKILL_TYPES, TARGET_LEVELS
from lms.forms import ActionForm, confirm_first
from lms.orgs.models import OrgUnit
from lms.orgs.request_scope import current_scope
from lms.orgs.scope import require_unit_in_scope
from lms.orgs.services import search_units
from lms.params import int_arg, valid_id
from lms.permissions import roles_required
from lms.web import audit, db_session, request_now, request_today

bp = Blueprint("assignments", __name__, url_prefix="/manage")


def _assignment_in_scope(assignment_id: int) -> Assignment:
    session = db_session()
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        abort(404)
    require_unit_in_scope(session, current_user, assignment.org_unit_id, current_scope())
    return assignment


@bp.route("/assignments")
@roles_required("manager", "admin")
def assignments():
    session = db_session()
    items = services.assignments_in_scope(session, current_scope())
    today = request_today()
    progress = services.progress_by_assignment(session, [a.id for a in items], today)
    return render_template("assignments/assignments.html", items=items, progress=progress, today=today)


@bp.route("/assignments/new", methods=["GET", "POST"])
@roles_required("manager", "admin")
def new_assignment():
    session = db_session()
    scope = current_scope()
    courses = published_courses(session)
    form = AssignmentForm()
    form.courses.choices = [(c.id, f"{c.code} · {c.title}") for c in courses]
    if request.method == "GET":
        if int_arg("unit") is not None:
            form.org_unit_id.data = int_arg("unit")
        elif scope.unit_id is not None:
            form.org_unit_id.data = scope.unit_id
    # "Find" inside the form posts everything ticked so far: the page comes back
    # with the units found and nothing lost (no JavaScript needed), creating nothing.
    finding = request.method == "POST" and "find_unit" in request.form
    if not finding and form.validate_on_submit():
        unit = require_unit_in_scope(session, current_user, form.org_unit_id.data, scope)
        try:
            created = services.create_assignments(
                session, course_ids=form.courses.data, org_unit_id=unit.id, categories=form.categories.data,
                due_on=form.due_on.data, created_by_id=current_user.id, now=request_now(),
                profession=form.profession.data or None)
        except services.AssignmentError as exc:
            session.rollback()
            flash(_(str(exc)), "error")
        else:
            members = services.progress_by_assignment(session, [a.id for a in created], request_today())
            total = sum(p.members for p in members.values())
            audit("assignment_created", "; ".join(
                f"#{a.id} course {a.course_id} unit {unit.code} categories {','.join(a.category_names)} due {a.due_on}"
                for a in created))
            flash(ngettext("%(num)s course assigned; %(people)s enrolments.", "%(num)s courses assigned; %(people)s enrolments.",
                           len(created), people=total), "success")
            if len(created) == 1:
                return redirect(url_for("assignments.assignment", assignment_id=created[0].id))
            return redirect(url_for("assignments.assignments"))
    chosen = session.get(OrgUnit, valid_id(form.org_unit_id.data)) if valid_id(form.org_unit_id.data) else None
    shown = chosen if chosen is not None and scope.contains_path(chosen.path) else None
    unit_q = (request.form if finding else request.args).get("unit_q", "").strip()[:100]
    unit_matches = search_units(session, unit_q, scope=scope, limit=30) if unit_q else []
    # The training needs the unit's people reported (lms.surveys answers), beside each cell's courses.
    needs = next((n for n in events.training_needs(session, unit=shown, today=request_today()) if n), None) \
        if shown is not None else None
    course_cells = {c.id: (c.skill_type, c.target_level) for c in courses}
    cells = [(s, t) for s in SKILL_TYPES for t in TARGET_LEVELS if (s, t) in course_cells.values()]
    return render_template("assignments/new.html", form=form, unit=shown, unit_q=unit_q, unit_matches=unit_matches,
                           courses=courses, needs=needs, course_cells=course_cells, cells=cells)


@bp.route("/assignments/<int:assignment_id>")
@roles_required("manager", "admin")
def assignment(assignment_id: int):
    session = db_session()
    item = _assignment_in_scope(assignment_id)
    today = request_today()
    progress = services.progress_by_assignment(session, [item.id], today)[item.id]
    overdue, overdue_total = services.overdue_members(session, item, today)
    return render_template("assignments/assignment.html", item=item, progress=progress, overdue=overdue,
                           overdue_total=overdue_total, today=today, action=ActionForm())


@bp.route("/assignments/<int:assignment_id>/cancel", methods=["POST"])
@roles_required("manager", "admin")
def cancel(assignment_id: int):
    session = db_session()
    item = _assignment_in_scope(assignment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if (page := confirm_first(_("Cancel this assignment?"), url_for("assignments.assignment", assignment_id=assignment_id),
                              _("Nobody new is enrolled and no reminder is sent; the people enrolled keep their "
                                "courses and records."))):
        return page
    if services.cancel_assignment(session, item, now=request_now()):
        audit("assignment_cancelled", f"#{item.id}")
        flash(_("The assignment is cancelled: nobody new is enrolled and no reminder is sent."), "success")
    return redirect(url_for("assignments.assignment", assignment_id=assignment_id))
