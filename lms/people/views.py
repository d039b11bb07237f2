"""People administration: search, filter (unit subtree, category, status),
edit, deactivate, reset a password, import; runtime settings. Managers manage
the learners of their subtree; administrators everyone; roles are admin-only."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.models import User
from lms.auth.services import AccountError
from lms.csv_upload import CSV_BODY_BYTES, csv_import_page
from lms.enums import STAFF_CATEGORIES
from lms.forms import ActionForm, confirm_first
from lms.orgs.models import OrgUnit
from lms.orgs.request_scope import current_scope
from lms.orgs.scope import require_unit_in_scope, require_user_in_scope
from lms.orgs.services import search_units, units_by_id
from lms.params import int_arg, valid_id
from lms.people import services, user_import
from lms.people.forms import SettingsForm, UserEditForm
from lms.permissions import deny, roles_required
from lms.web import audit, body_limit, db_session, request_now

bp = Blueprint("people", __name__, url_prefix="/admin")


def _managed_user(user_id: int) -> User:
    """A person in scope whom the current user may manage (404 outside the scope, 403 otherwise)."""
    session = db_session()
    target = require_user_in_scope(session, current_user, user_id, current_scope())
    if not services.may_manage(current_user, target):
        deny(current_user, f"may not manage user {user_id}")
    return target


@bp.route("/users")
@roles_required("manager", "admin")
def users():
    session = db_session()
    scope = current_scope()
    unit_id = int_arg("unit")
    unit = require_unit_in_scope(session, current_user, unit_id, scope) if unit_id is not None else None
    category = request.args.get("category") if request.args.get("category") in STAFF_CATEGORIES else None
    status = request.args.get("status") if request.args.get("status") in ("active", "pending", "deactivated") else None
    q = request.args.get("q", "").strip()[:100]
    page = int_arg("page", maximum=100_000) or 1
    flt = services.UserFilter(q=q, unit_path=unit.path if unit else None, category=category, status=status)
    people, total = services.find_users(session, scope, flt, page=page)
    pages = max(1, -(-total // services.PAGE_SIZE))
    units = units_by_id(session, (p.org_unit_id for p in people))
    return render_template("people/users.html", people=people, total=total, page=page, pages=pages, q=q, unit=unit,
                           category=category, status=status, units=units)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("manager", "admin")
def user(user_id: int):
    session = db_session()
    scope = current_scope()
    target = _managed_user(user_id)
    is_admin = "admin" in current_user.role_names
    form = UserEditForm(obj=target)
    if target.status != "pending":  # only a self-registration waits for approval
        form.status.choices = [(value, label) for value, label in form.status.choices if value != "pending"]
    if request.method == "GET":
        form.roles.data = sorted(target.role_names - {"learner"})
        form.profession.data = target.profession or ""
    if form.validate_on_submit():
        unit_id = form.org_unit_id.data
        if unit_id is not None:
            require_unit_in_scope(session, current_user, unit_id, scope)  # 404 for a unit outside the scope
        elif not is_admin:
            abort(404)
        roles = frozenset(form.roles.data or ()) if is_admin else None
        if roles is not None and target.id == current_user.id and "admin" not in roles:
            flash(_("You cannot remove your own administrator role."), "error")
            return redirect(url_for("people.user", user_id=user_id))
        before = sorted(target.role_names)
        try:
            changed = services.update_user(session, target, services.UserChanges(
                full_name=form.full_name.data.strip(), email=(form.email.data or "").strip(), org_unit_id=unit_id,
                staff_category=form.staff_category.data, language=form.language.data, status=form.status.data,
                roles=roles, profession=(form.profession.data or None) if "profession" in request.form else ""),
                now=request_now())
        except AccountError as exc:
            session.rollback()
            flash(_(str(exc)), "error")
        else:
            if changed:
                detail = f"user {target.username}: {', '.join(changed)}"
                if "roles" in changed:
                    detail += f" (roles {'/'.join(before)} -> {'/'.join(sorted(target.role_names))})"
                audit("user_updated", detail)
                flash(_("The account is saved."), "success")
            return redirect(url_for("people.user", user_id=user_id))
    unit = session.get(OrgUnit, valid_id(form.org_unit_id.data)) if valid_id(form.org_unit_id.data) else None
    unit_q = request.args.get("unit_q", "").strip()[:100]
    unit_matches = search_units(session, unit_q, scope=scope, limit=30) if unit_q else []
    return render_template("people/user.html", target=target, form=form, unit=unit, unit_q=unit_q,
                           unit_matches=unit_matches, is_admin=is_admin, action=ActionForm())


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@roles_required("manager", "admin")
def deactivate(user_id: int):
    session = db_session()
    target = _managed_user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if target.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("people.user", user_id=user_id))
    if target.status != "deactivated" and (page := confirm_first(
            _("Deactivate this account?"), url_for("people.user", user_id=user_id),
            _("The person can no longer log in and their sessions end; their training records are kept."))):
        return page
    if services.deactivate(session, target, now=request_now()):
        audit("user_deactivated", f"user {target.username}")
        flash(_("The account is deactivated; its sessions ended."), "success")
    return redirect(url_for("people.user", user_id=user_id))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@roles_required("manager", "admin")
def reset_password(user_id: int):
    session = db_session()
    target = _managed_user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    password = services.reset_password(session, target)
    audit("password_reset", f"user {target.username}")
    response = render_template("people/password.html", target=target, password=password)
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/registrations")
@roles_required("manager", "admin")
def registrations():
    session = db_session()
    pending = services.pending_registrations(session, current_scope())
    return render_template("people/registrations.html", pending=pending, action=ActionForm())


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
        added = services.approve(session, target, now=request_now())
    except AccountError as exc:
        session.rollback()
        flash(_(str(exc)), "error")
        return redirect(url_for("people.registrations"))
    audit("registration_approved", f"user {target.username}: {added} assignment(s)")
    flash(_("%(name)s can now log in.", name=target.full_name or target.username), "success")
    return redirect(url_for("people.registrations"))


@bp.route("/registrations/<int:user_id>/reject", methods=["POST"])
@roles_required("manager", "admin")
def reject(user_id: int):
    session = db_session()
    target = _pending_user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    username = target.username
    try:
        services.reject(session, target)
    except AccountError as exc:
        session.rollback()
        flash(_(str(exc)), "error")
        return redirect(url_for("people.registrations"))
    audit("registration_rejected", f"user {username}")
    flash(_("The registration of %(name)s is rejected.", name=username), "info")
    return redirect(url_for("people.registrations"))


@bp.route("/users/import", methods=["GET", "POST"])
@body_limit(CSV_BODY_BYTES)
@roles_required("admin")
def import_users():
    from flask import current_app

    language = str(current_app.config["DEFAULT_LANGUAGE"])
    return csv_import_page(lambda session, data: user_import.import_users(session, data, now=request_now(),
                                                                         default_language=language),
                           action="users_imported", columns=user_import.USER_COLUMNS, kind="users")


@bp.route("/settings", methods=["GET", "POST"])
@roles_required("admin")
def settings():
    from flask import current_app

    session = db_session()
    default = bool(current_app.config["SELF_REGISTRATION"])
    form = SettingsForm()
    if form.validate_on_submit():
        services.set_flag(session, services.SELF_REGISTRATION, bool(form.self_registration.data), now=request_now())
        audit("settings_changed", f"self_registration={'on' if form.self_registration.data else 'off'}")
        flash(_("Settings saved."), "success")
        return redirect(url_for("people.settings"))
    form.self_registration.data = services.get_flag(session, services.SELF_REGISTRATION, default)
    return render_template("people/settings.html", form=form)
