"""Per-request plumbing: one unit of work per request, request ids, security
headers, and error pages (503 when the database is unreachable).

The unit of work: a request has one write session (`db_session()`), opened on
first use. When the view has returned a response below 400, that session is
committed here, once; on any exception or error status it is rolled back.
Views, API handlers and services never commit (services flush). A refusal
that must be remembered although the request fails (a failed login, a denied
permission) is written by `record_refusal` in a short transaction of its own.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, render_template, request
from flask_login import current_user
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from lms.audit.services import record_event
from lms.json_errors import api_error
from lms.params import BoundedIntConverter
from lms.zones import local_date

log = logging.getLogger("lms")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Files that are the same for everyone (the stylesheet, lesson images): cached as they say.
SHARED_FILES = ("/static/", "/media/")

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


def read_session() -> Session:
    """A read-only session for lookups that need no write lock: a GET's own
    session; for a write request, the one its login was checked in (reading
    there leaves SQLite's write lock, taken by the request's first statement in
    `db_session()`, to the writes)."""
    return db_session() if request.method in SAFE_METHODS else auth_session()


# Request bodies: small for ordinary forms and JSON; larger only where authors
# write long Markdown or upload files (`body_limit` on the view). Over a limit:
# 413 before the body is read (Content-Length) or as soon as it runs past.
ORDINARY_BODY_BYTES = 256 * 1024
AUTHORING_BODY_BYTES = 4 * 1024 * 1024  # a 200,000-character lesson, percent-encoded, fits
BLUEPRINT_BODY_BYTES = {"authoring": AUTHORING_BODY_BYTES}
MAX_FORM_FIELDS = 3000  # url-encoded fields per request (a quiz of 500 questions x 5 options fits)
MULTIPART_ALLOWANCE = 64 * 1024  # the form fields and headers around an uploaded file

V = TypeVar("V", bound=Callable[..., Any])


def body_limit(max_bytes: int) -> Callable[[V], V]:
    """Let this view receive a body of up to `max_bytes` (an upload, a package)."""

    def mark(view: V) -> V:
        view.max_body = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


def _limit_request_body() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "max_body", None) or BLUEPRINT_BODY_BYTES.get(request.blueprint or "", ORDINARY_BODY_BYTES)
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        abort(413)  # at once, before authentication or anything else reads a byte
    if request.method in SAFE_METHODS or request.mimetype != "application/x-www-form-urlencoded":
        return  # multipart parts are capped by MAX_FORM_PARTS; JSON by its size
    # Werkzeug parses url-encoded bodies whole, with no cap on the number of
    # fields: count them first (the body is cached, so the form parser reuses it).
    if request.get_data(cache=True).count(b"&") >= MAX_FORM_FIELDS:
        abort(413)


def audit(action: str, detail: str) -> None:
    """An audit row for what the current user did, in the request's transaction
    (committed with the change it describes, or not at all)."""
    record_event(db_session(), action=action, user=current_user, ip=request.remote_addr or "",
                 request_id=g.get("request_id", ""), now=request_now(), detail=detail)


def record_refusal(action: str, *, user=None, username: str = "", detail: str = "", also=None) -> None:
    """Remember a refusal although the request will fail: the request's own
    work is rolled back first (on SQLite that also frees the write lock), then
    the audit row, and whatever `also(session)` writes (a failed-login count),
    commit in a short transaction of their own."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()
    with current_app.extensions["lms_db"].transaction() as own:
        record_event(own, action=action, user=user, username=username, ip=request.remote_addr or "",
                     request_id=g.get("request_id", ""), now=request_now(), detail=detail)
        if also is not None:
            also(own)


def utcnow() -> datetime:
    """Naive UTC: every DateTime column stores UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def request_now() -> datetime:
    """The server clock for this request (tests may pin it with the NOW setting, a callable)."""
    pinned = current_app.config.get("NOW")
    return pinned() if callable(pinned) else utcnow()


def request_today() -> date:
    """Today's date in the site's time zone (a day starts at local midnight)."""
    return local_date(request_now())


def init_app(app: Flask) -> None:
    # Before any blueprint adds its routes: every `<int:...>` is bounded to 64 bits.
    app.url_map.converters["int"] = BoundedIntConverter
    @app.before_request
    def _assign_request_id() -> None:
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)

    app.before_request(_limit_request_body)

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
        # Personal data must not stay in a shared browser's or a proxy's cache:
        # nothing a signed-in person is shown is stored.
        if request.path.startswith(("/auth/", "/my", "/api/")) or (
                not request.path.startswith(SHARED_FILES) and current_user.is_authenticated):
            response.headers["Cache-Control"] = "no-store"
        return response

    # Registered last so that it runs first: a 503 from a failed commit still gets the headers.
    @app.after_request
    def _end_unit_of_work(response):
        """Commit the request's work after a successful response; roll it back
        after an error status. (An exception skips this and is rolled back
        by the teardown below, or comes back here as an error page.)"""
        session = g.get("db_session")
        if session is None:
            return response
        if response.status_code >= 400:
            session.rollback()
            return response
        try:
            session.commit()
        except (OperationalError, PoolTimeout) as exc:
            session.rollback()
            return current_app.make_response(_unavailable(exc))
        return response

    app.register_error_handler(OperationalError, _unavailable)
    app.register_error_handler(PoolTimeout, _unavailable)
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, lambda exc, code=code: _error_page(code))


def _unavailable(exc: Exception):
    log.error("database unavailable: %s", type(exc).__name__, extra={"request_id": g.get("request_id")})
    return _error_page(503)


def _error_page(code: int):
    if request.path.startswith("/api/"):
        return api_error(code)  # the API answers JSON
    return render_template("errors/error.html", code=code), code
