"""Self-registration (when an administrator has opened it): a person picks
their org unit from a searchable list (a plain GET search form, no
JavaScript), their staff category, a username and password; the account waits
("pending") until a manager of that unit or of a unit above approves it."""
from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, Regexp

from lms.audit.services import record_event
from lms.auth.services import AccountError
from lms.enums import LANGUAGES, STAFF_CATEGORIES
from lms.labels import LANGUAGE_LABELS, STAFF_CATEGORY_LABELS
from lms.orgs.models import OrgUnit
from lms.orgs.services import search_units
from lms.params import id_range, int_arg, valid_id
from lms.people import services as people
from lms.permissions import public
from lms.templating import current_language
from lms.web import db_session, request_now

bp = Blueprint("registration", __name__, url_prefix="/auth")


class RegistrationForm(FlaskForm):
    org_unit_id = IntegerField(_l("Your org unit"), validators=[InputRequired(message=_l("Choose your org unit.")), id_range()])
    staff_category = SelectField(_l("Staff category"), choices=[(c, STAFF_CATEGORY_LABELS[c]) for c in STAFF_CATEGORIES],
                                 default="correspondent")
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254),
                                                  Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter a valid e-mail address."))])
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80),
                                                        Regexp(r"^[^\s,;]+$", message=_l("No spaces, commas or semicolons."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(_l("Password again"), validators=[EqualTo("password", message=_l("The passwords differ."))])
    language = SelectField(_l("Language"), choices=[(c, LANGUAGE_LABELS[c]) for c in LANGUAGES])


def registration_open() -> bool:
    return people.get_flag(db_session(), people.SELF_REGISTRATION, bool(current_app.config["SELF_REGISTRATION"]))


@bp.app_template_global("registration_open")
def registration_link_shown() -> bool:
    """For the page header: an error page (503 when the database is down) must still render."""
    try:
        return registration_open()
    except (OperationalError, PoolTimeout):
        return False


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.my_learning"))
    if not registration_open():
        return render_template("people/register_closed.html"), 404
    session = db_session()
    form = RegistrationForm()
    if request.method == "GET":
        if int_arg("unit") is not None:
            form.org_unit_id.data = int_arg("unit")
        form.language.data = current_language()
    q = request.args.get("q", "").strip()[:100]
    status = 200
    if form.validate_on_submit():
        try:
            user = people.register(session, username=form.username.data.strip(), password=form.password.data,
                                   full_name=form.full_name.data, email=form.email.data or "",
                                   org_unit_id=form.org_unit_id.data, staff_category=form.staff_category.data,
                                   language=form.language.data, now=request_now())
        except AccountError as exc:
            session.rollback()
            message = str(exc)
            field = form.username if "username" in message else (
                form.org_unit_id if "unit" in message else form.password)
            field.errors = [*field.errors, _(message)]
            status = 422
        else:
            record_event(session, action="registered", user=user, ip=request.remote_addr or "",
                         request_id=g.get("request_id", ""), now=request_now(), detail=f"unit {user.org_unit_id}")
            return render_template("people/register_done.html", name=user.full_name or user.username)
    elif request.method == "POST":
        status = 422
    unit = session.get(OrgUnit, valid_id(form.org_unit_id.data)) if valid_id(form.org_unit_id.data) else None
    matches = search_units(session, q, limit=30) if q else []
    return render_template("people/register.html", form=form, q=q, matches=matches, unit=unit), status
