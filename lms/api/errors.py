"""JSON errors for the API: every error under /api/ is {"error", "message"}
(lms.json_errors shapes them; lms.web sends the app-wide error pages for
/api/ paths there). `register` makes every other HTTP error raised by an API
view (401, 409, 415, 422, ...) answer JSON too."""
from __future__ import annotations

from flask import Blueprint
from werkzeug.exceptions import HTTPException

from lms.json_errors import api_error


def _http_error(exc: HTTPException):
    code = exc.code or 500
    # The description of a werkzeug exception is generic text; a message we
    # passed to abort() ourselves is kept.
    message = exc.description if exc.description and exc.description != type(exc).description else None
    return api_error(code, message)


def register(bp: Blueprint) -> None:
    bp.register_error_handler(HTTPException, _http_error)


__all__ = ["api_error", "register"]
