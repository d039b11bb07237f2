from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.audit.services import record_event
from lms.auth import services
from lms.auth.forms import TIMEZONE_CHOICES, LanguageForm, LoginForm, LogoutForm, PasswordForm, PreferencesForm
from lms.auth.login import log_in, log_out, login_policy
from lms.auth.models import User
from lms.db import must_get
from lms.permissions import login_required, public
from lms.web import db_session, record_refusal, request_now
from lms.zones import utc_offset_text

bp = Blueprint("auth", __name__, url_prefix="/auth")


def safe_next(target: str | None) -> str:
    """Only a local path: no scheme, no host, no `//` or backslash tricks."""
    if not target:
        return url_for("dashboard.my_learning")
    if len(target) > 2000 or any(ch < " " or ch == "\x7f" for ch in target):  # CR/LF and other controls
        return url_for("dashboard.my_learning")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return url_for("dashboard.my_learning")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        session = db_session()
        ip = request.remote_addr or ""
        now = request_now()
        username = form.username.data.strip()
        refusal = services.login_refusal(session, username=username, ip=ip, now=now, policy=login_policy())
        if refusal is not None:
            record_refusal("login_throttled", username=username)
            flash(_(refusal), "error")
            return render_template("auth/login.html", form=form), 429
        user = services.authenticate(session, username=username, password=form.password.data)
        if user is None:
            record_refusal("login_failed", username=username, also=lambda own: services.record_login_failure(
                own, username=username, ip=ip, now=now, policy=login_policy()))
            flash(_("Wrong username or password."), "error")
            status = 401
        else:
            log_in(user)
            record_event(session, action="login", user=user, ip=ip, request_id=g.request_id, now=now)
            response = redirect(safe_next(form.next.data))
            response.set_cookie("lang", user.language, max_age=365 * 86400, samesite="Lax", httponly=True,
                                secure=current_app.config["SESSION_COOKIE_SECURE"])
            return response
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if LogoutForm().validate_on_submit():
        session = db_session()
        record_event(session, action="logout", user=current_user, ip=request.remote_addr or "",
                     request_id=g.request_id, now=request_now())
        log_out(current_user._get_current_object())
        flash(_("You are logged out."), "info")
    return redirect(url_for("catalog.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        session = db_session()
        user = must_get(session, User, current_user.id)  # current_user lives in the read-only auth session
        try:
            services.change_password(session, user=user, current=form.current.data, new=form.new.data)
        except services.AccountError as exc:
            session.rollback()
            flash(_(str(exc)), "error")
        else:
            record_event(session, action="password_changed", user=user, ip=request.remote_addr or "",
                         request_id=g.request_id, now=request_now())
            log_in(user)  # every other session ended; keep this one going with a new token
            flash(_("Your password is changed. Other sessions were logged out."), "info")
            return redirect(url_for("dashboard.my_learning"))
    return render_template("auth/password.html", form=form)


@bp.route("/language", methods=["POST"])
@public
def language():
    form = LanguageForm()
    if not form.validate_on_submit():
        return redirect(url_for("catalog.index"))
    response = make_response(redirect(safe_next(form.next.data or request.referrer and urlsplit(request.referrer).path)))
    response.set_cookie("lang", form.language.data, max_age=365 * 86400, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    if current_user.is_authenticated:
        session = db_session()
        user = must_get(session, User, current_user.id)  # current_user lives in the read-only auth session
        user.language = form.language.data
    return response


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """The person's own settings: the time zone times are shown in."""
    form = PreferencesForm()
    site = str(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    form.timezone.choices = [("", _("The site's time zone (%(zone)s)", zone=site))] + [
        (zone, f"{zone} (UTC{utc_offset_text(zone)})") for zone in TIMEZONE_CHOICES]
    if request.method == "GET":
        form.timezone.data = current_user.timezone or ""
    if form.validate_on_submit():
        session = db_session()
        user = must_get(session, User, current_user.id)  # current_user lives in the read-only auth session
        services.set_timezone(session, user=user, zone=form.timezone.data or None)
        flash(_("Your preferences are saved."), "info")
        return redirect(url_for("auth.preferences"))
    return render_template("auth/preferences.html", form=form, site_zone=site)
