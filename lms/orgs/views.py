"""Org-unit pages: the tree with search (managers see their subtree, read
only), a unit with its headcounts; administrators create, edit, move and import."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.csv_upload import CSV_BODY_BYTES, csv_import_page
from lms.db import must_get
from lms.orgs import csv_import, services
from lms.orgs.forms import HeadcountForm, MoveForm, UnitForm
from lms.orgs.labels import KIND_LABELS, LEVEL_LABELS, STATUS_LABELS
from lms.orgs.models import OrgUnit
from lms.orgs.request_scope import current_scope
from lms.orgs.scope import require_unit_in_scope
from lms.params import int_arg, valid_id
from lms.permissions import roles_required
from lms.web import audit, body_limit, db_session, request_now, request_today

bp = Blueprint("orgs", __name__, url_prefix="/admin/org-units")


@bp.route("")
@roles_required("manager", "admin")
def index():
    q = request.args.get("q", "").strip()[:100]
    rows, truncated = services.tree(db_session(), current_scope(), q=q)
    return render_template("orgs/index.html", rows=rows, truncated=truncated, q=q)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def new():
    session = db_session()
    form = UnitForm()
    if request.method == "GET" and int_arg("parent") is not None:
        form.parent_id.data = int_arg("parent")
    parent = session.get(OrgUnit, valid_id(form.parent_id.data)) if valid_id(form.parent_id.data) else None
    if form.validate_on_submit():
        try:
            unit = services.create_unit(session, code=form.code.data.strip(), name=form.name.data, level=form.level.data,
                                        kind=form.kind.data, parent_id=form.parent_id.data)
        except services.OrgError as exc:
            session.rollback()
            flash(_(str(exc)), "error")
        else:
            audit("org_unit_created", f"{unit.code} under {parent.code if parent else '-'}")
            flash(_("The unit is created."), "success")
            return redirect(url_for("orgs.unit", unit_id=unit.id))
    return render_template("orgs/new.html", form=form, parent=parent)


@bp.route("/<int:unit_id>")
@roles_required("manager", "admin")
def unit(unit_id: int):
    session = db_session()
    unit = require_unit_in_scope(session, current_user, unit_id, current_scope())
    form = UnitForm(obj=unit)
    in_force = services.headcount_in_force(session, [unit.id], request_today())
    subtree = services.headcount_in_force(session, services.subtree_ids(unit), request_today())
    page = int_arg("page", maximum=1_000_000) or 1
    children, total = services.children_page(session, unit, page=page)
    pages = max(1, -(-total // services.CHILDREN_PER_PAGE))
    return render_template("orgs/unit.html", unit=unit, form=form, ancestors=services.ancestors(session, unit),
                           history=services.headcount_history(session, unit.id), in_force=in_force, subtree=subtree,
                           children=children, children_total=total, page=min(page, pages), pages=pages,
                           headcount_form=HeadcountForm(valid_from=request_today()),
                           can_edit="admin" in current_user.role_names)


@bp.route("/<int:unit_id>/edit", methods=["POST"])
@roles_required("admin")
def edit(unit_id: int):
    session = db_session()
    unit = require_unit_in_scope(session, current_user, unit_id, current_scope())
    form = UnitForm()
    if not form.validate_on_submit():
        flash(_("Check the fields of the form."), "error")
        return redirect(url_for("orgs.unit", unit_id=unit.id))
    try:
        changed = services.update_unit(session, unit, code=form.code.data.strip(), name=form.name.data,
                                       level=form.level.data, kind=form.kind.data)
    except services.OrgError as exc:
        session.rollback()
        flash(_(str(exc)), "error")
        return redirect(url_for("orgs.unit", unit_id=unit_id))
    if changed:
        audit("org_unit_updated", unit.code)
        flash(_("The unit is saved."), "success")
    return redirect(url_for("orgs.unit", unit_id=unit.id))


@bp.route("/<int:unit_id>/headcounts", methods=["POST"])
@roles_required("admin")
def headcount(unit_id: int):
    session = db_session()
    unit = require_unit_in_scope(session, current_user, unit_id, current_scope())
    form = HeadcountForm()
    if not form.validate_on_submit():
        flash(_("Enter a category, a date and a whole number of people (0 or more)."), "error")
        return redirect(url_for("orgs.unit", unit_id=unit.id))
    state = services.set_headcount(session, unit, staff_category=form.staff_category.data,
                                   valid_from=form.valid_from.data, headcount=form.headcount.data)
    if state != "unchanged":
        audit("headcount_" + state, f"{unit.code} {form.staff_category.data} {form.valid_from.data}: {form.headcount.data}")
        flash(_("The headcount is recorded."), "success")
    return redirect(url_for("orgs.unit", unit_id=unit.id))


@bp.route("/<int:unit_id>/move", methods=["GET", "POST"])
@roles_required("admin")
def move(unit_id: int):
    session = db_session()
    unit = require_unit_in_scope(session, current_user, unit_id, current_scope())
    form = MoveForm()
    if form.validate_on_submit():
        old_parent = unit.parent.code if unit.parent else "-"
        try:
            moved = services.move_unit(session, unit, new_parent_id=form.parent_id.data, now=request_now())
        except services.OrgError as exc:
            session.rollback()
            flash(_(str(exc)), "error")
        else:
            if moved:
                unit = must_get(session, OrgUnit, unit_id)
                audit("org_unit_moved", f"{unit.code}: {old_parent} -> {unit.parent.code if unit.parent else '-'}")
                flash(_("The unit and everything below it moved."), "success")
            return redirect(url_for("orgs.unit", unit_id=unit_id))
    q = request.args.get("q", "").strip()[:100]
    candidates = [u for u in services.search_units(session, q, limit=50) if not u.path.startswith(unit.path)] if q else []
    return render_template("orgs/move.html", unit=unit, form=form, q=q, candidates=candidates)


@bp.route("/import", methods=["GET", "POST"])
@body_limit(CSV_BODY_BYTES)
@roles_required("admin")
def import_units():
    return csv_import_page(lambda session, data: csv_import.import_org_units(session, data, now=request_now()),
                           action="org_units_imported", columns=csv_import.ORG_COLUMNS, kind="units")


@bp.app_template_global("L_LEVEL")
def level_label(level: str) -> str:
    return str(LEVEL_LABELS.get(level, level))


@bp.app_template_global("L_KIND")
def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.app_template_global("L_STATUS")
def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))
