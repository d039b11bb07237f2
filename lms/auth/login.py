"""Flask-Login wiring. The cookie holds a random login-session token; the
server keeps its hash, so logout, password change and deactivation end the
session for good. Idle time is tracked in the signed cookie (no write per GET)."""
from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, current_app, session
from flask_login import LoginManager, login_user, logout_user

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


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
