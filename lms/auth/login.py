"""Flask-Login wiring. The cookie holds a random login-session token; the
server keeps its hash, so logout, password change and deactivation end the
session for good. Idle time is tracked in the signed cookie (no write per GET)."""
from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user

from lms.auth import services
from lms.auth.models import User
from lms.web import auth_session, db_session, request_now

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = None  # the server-side session table does this job
login_manager.login_message = None


@login_manager.user_loader
def _load_user(token: str) -> User | None:
    seen = session.get("seen", 0)
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    if time.time() - seen > idle:
        return None
    user = services.user_for_login_session(
        auth_session(), token=token, now=request_now(),
        max_age=timedelta(hours=current_app.config["SESSION_MAX_HOURS"]),
    )
    if user is not None:
        user.login_token = token
        if time.time() - seen > 60:
            session["seen"] = int(time.time())
    return user


def log_in(user: User) -> None:
    """Start a fresh server-side session (never reuse a pre-login one)."""
    token = services.start_login_session(db_session(), user=user, now=request_now())
    session.clear()
    session.permanent = True
    session["seen"] = int(time.time())
    user.login_token = token
    login_user(user)


def log_out(user: User | None) -> None:
    token = getattr(user, "login_token", None)
    if token:
        services.end_login_session(db_session(), token=token)
    logout_user()
    session.clear()


def login_policy() -> services.LoginPolicy:
    cfg = current_app.config
    return services.LoginPolicy(max_failures=int(cfg["LOGIN_MAX_FAILURES"]),
                                window=timedelta(minutes=int(cfg["LOGIN_WINDOW_MINUTES"])))


# What a person whose password was set by someone else may still reach before
# choosing their own: the password form, logging out, the language switch, static files.
_ALLOWED_BEFORE_PASSWORD_CHANGE = frozenset({"auth.password", "auth.logout", "auth.language", "static", "health.healthz"})


def _require_own_password():
    """A password set by an administrator or manager must be changed at first login."""
    if request.blueprint in ("api", "reports_api") or request.endpoint in _ALLOWED_BEFORE_PASSWORD_CHANGE:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        flash(_("Your password was set by an administrator. Choose your own password to continue."), "info")
        return redirect(url_for("auth.password"))
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_require_own_password)
