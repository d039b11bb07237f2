"""Per-request plumbing: one database session per request, request ids,
security headers, and error pages (503 when the database is unreachable)."""
from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime

from flask import Flask, current_app, g, render_template, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

log = logging.getLogger("lms")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def db_session() -> Session:
    """The request's session, opened on first use. Write requests take the
    SQLite write lock at BEGIN so read-then-write never deadlocks."""
    session = g.get("db_session")
    if session is None:
        write = request.method not in SAFE_METHODS if request else True
        session = current_app.extensions["lms_db"].session(write=write)
        g.db_session = session
    return session


def auth_session() -> Session:
    """A read-only session for identifying the user. Kept apart from the
    request's session so that a POST takes SQLite's write lock only when the
    view starts its work, not while the login is being checked."""
    session = g.get("auth_session")
    if session is None:
        session = current_app.extensions["lms_db"].session(write=False)
        g.auth_session = session
    return session


def utcnow() -> datetime:
    """Naive UTC: every DateTime column stores UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def request_now() -> datetime:
    """The server clock for this request (tests may pin it with LMS_NOW)."""
    pinned = current_app.config.get("NOW")
    return pinned() if callable(pinned) else utcnow()


def init_app(app: Flask) -> None:
    @app.before_request
    def _assign_request_id() -> None:
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)

    @app.teardown_request
    def _close_session(_exc: BaseException | None) -> None:
        for name in ("db_session", "auth_session"):
            session = g.pop(name, None)
            if session is not None:
                session.close()  # rolls back anything not committed

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if request.path.startswith(("/auth/", "/my", "/api/")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def _unavailable(exc: Exception):
        log.error("database unavailable: %s", type(exc).__name__, extra={"request_id": g.get("request_id")})
        return _error_page(503)

    app.register_error_handler(OperationalError, _unavailable)
    app.register_error_handler(PoolTimeout, _unavailable)
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, lambda exc, code=code: _error_page(code))


def _error_page(code: int):
    if request.path.startswith("/api/"):
        from lms.api.errors import api_error  # the API answers JSON

        return api_error(code)
    return render_template("errors/error.html", code=code), code
