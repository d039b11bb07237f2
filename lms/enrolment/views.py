"""Managers assign courses to their subtree, follow progress and overdue
people, and approve self-registrations."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from lms.admin import services as people
from lms.admin.forms import ActionForm
from lms.auth.models import User
from lms.auth.services import AccountError
from lms.catalog.models import Course
from lms.enrolment import services
from lms.enrolment.forms import AssignmentForm
from lms.enrolment.models import Assignment
from lms.orgs.models import OrgUnit
from lms.orgs.scope import require_unit_in_scope, require_user_in_scope
from lms.orgs.services import search_units
from lms.orgs.views import audit, current_scope
from lms.permissions import roles_required
from lms.web import db_session, request_now

bp = Blueprint("enrolment", __name__, url_prefix="/manage")


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
    today = request_now().date()
    progress = services.progress_by_assignment(session, [a.id for a in items], today)
    return render_template("enrolment/assignments.html", items=items, progress=progress, today=today)


@bp.route("/assignments/new", methods=["GET", "POST"])
@roles_required("manager", "admin")
def new_assignment():
    session = db_session()
    scope = current_scope()
    courses = list(session.scalars(select(Course).where(Course.status == "published").order_by(Course.code)))
    form = AssignmentForm()
    form.courses.choices = [(c.id, f"{c.code} · {c.title}") for c in courses]
    if request.method == "GET":
        unit_arg = request.args.get("unit", "")
        if unit_arg.isdigit():
            form.org_unit_id.data = int(unit_arg)
        elif scope.unit_id is not None:
            form.org_unit_id.data = scope.unit_id
    if form.validate_on_submit():
        unit = require_unit_in_scope(session, current_user, form.org_unit_id.data, scope)
        try:
            created = services.create_assignments(
                session, course_ids=form.courses.data, org_unit_id=unit.id, categories=form.categories.data,
                due_on=form.due_on.data, created_by_id=current_user.id, now=request_now())
        except services.AssignmentError as exc:
            session.rollback()
            flash(_(str(exc)), "error")
        else:
            members = services.progress_by_assignment(session, [a.id for a in created], request_now().date())
            total = sum(p.members for p in members.values())
            audit("assignment_created", "; ".join(
                f"#{a.id} course {a.course_id} unit {unit.code} categories {','.join(a.category_names)} due {a.due_on}"
                for a in created))
            session.commit()
            flash(ngettext("%(num)s course assigned; %(people)s enrolments.", "%(num)s courses assigned; %(people)s enrolments.",
                           len(created), people=total), "success")
            if len(created) == 1:
                return redirect(url_for("enrolment.assignment", assignment_id=created[0].id))
            return redirect(url_for("enrolment.assignments"))
    unit = session.get(OrgUnit, form.org_unit_id.data) if form.org_unit_id.data else None
    if unit is not None and not scope.contains_path(unit.path):
        unit = None
    unit_q = request.args.get("unit_q", "").strip()[:100]
    unit_matches = search_units(session, unit_q, scope=scope, limit=30) if unit_q else []
    return render_template("enrolment/new.html", form=form, unit=unit, unit_q=unit_q, unit_matches=unit_matches,
                           courses=courses)


@bp.route("/assignments/<int:assignment_id>")
@roles_required("manager", "admin")
def assignment(assignment_id: int):
    session = db_session()
    item = _assignment_in_scope(assignment_id)
    today = request_now().date()
    progress = services.progress_by_assignment(session, [item.id], today)[item.id]
    overdue, overdue_total = services.overdue_members(session, item, today)
    return render_template("enrolment/assignment.html", item=item, progress=progress, overdue=overdue,
                           overdue_total=overdue_total, today=today, action=ActionForm())


@bp.route("/assignments/<int:assignment_id>/cancel", methods=["POST"])
@roles_required("manager", "admin")
def cancel(assignment_id: int):
    session = db_session()
    item = _assignment_in_scope(assignment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if services.cancel_assignment(session, item, now=request_now()):
        audit("assignment_cancelled", f"#{item.id}")
        session.commit()
        flash(_("The assignment is cancelled: nobody new is enrolled and no reminder is sent."), "success")
    return redirect(url_for("enrolment.assignment", assignment_id=assignment_id))


@bp.route("/registrations")
@roles_required("manager", "admin")
def registrations():
    session = db_session()
    pending = people.pending_registrations(session, current_scope())
    return render_template("enrolment/registrations.html", pending=pending, action=ActionForm())


def _pending_user(user_id: int) -> User:
    target = require_user_in_scope(db_session(), current_user, user_id, current_scope())
    if target.status != "pending":
        abort(404)
    return target


@bp.route("/registrations/<int:user_id>/approve", methods=["POST"])
@roles_required("manager", "admin")
def approve(user_id: int):
    session = db_session()
    target = _pending_user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        added = people.approve(session, target, now=request_now())
    except AccountError as exc:
        flash(_(str(exc)), "error")
        return redirect(url_for("enrolment.registrations"))
    audit("registration_approved", f"user {target.username}: {added} assignment(s)")
    session.commit()
    flash(_("%(name)s can now log in.", name=target.full_name or target.username), "success")
    return redirect(url_for("enrolment.registrations"))


@bp.route("/registrations/<int:user_id>/reject", methods=["POST"])
@roles_required("manager", "admin")
def reject(user_id: int):
    session = db_session()
    target = _pending_user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    username = target.username
    people.reject(session, target)
    audit("registration_rejected", f"user {username}")
    session.commit()
    flash(_("The registration of %(name)s is rejected.", name=username), "info")
    return redirect(url_for("enrolment.registrations"))
